// Validate Kubernetes custom resources against their CRDs' OpenAPI schemas.
//
// stdin: a JSON array of manifests. Every manifest of a group listed in PACKAGES is checked
// with the validator kubernetes-models-ts compiled from that project's CRD (versions pinned
// in package.json, hashes in package-lock.json; `npm ci` in this directory installs them).
// Built-in kinds are left to kubernetes-validate (tests/deploy). stdout: a JSON report
// {"validated": ["Kind/name", ...], "errors": ["Kind/name: message", ...]}.
import { readFileSync } from "node:fs";

const PACKAGES = {
  "argoproj.io": "@kubernetes-models/argo-cd",
  "external-secrets.io": "@kubernetes-models/external-secrets",
  "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
};

const manifests = JSON.parse(readFileSync(0, "utf8"));
const report = { validated: [], errors: [] };
for (const manifest of manifests) {
  const [group, version] = (manifest.apiVersion || "").split("/");
  const name = `${manifest.kind}/${manifest.metadata?.name}`;
  const pkg = PACKAGES[group];
  if (!version || !pkg) continue;
  let model;
  try {
    model = await import(`${pkg}/${group}/${version}/${manifest.kind}`);
  } catch {
    report.errors.push(`${name}: no schema for ${manifest.apiVersion} ${manifest.kind}`);
    continue;
  }
  try {
    new model[manifest.kind](manifest).validate();
    report.validated.push(name);
  } catch (error) {
    report.errors.push(`${name}: ${error.message}`);
  }
}
process.stdout.write(JSON.stringify(report));
