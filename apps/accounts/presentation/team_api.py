"""Team API: members and invitations of one organization (owners and managers manage)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts import team
from apps.accounts.models import MemberRole


class MemberSerializer(serializers.Serializer):
    user_id = serializers.IntegerField()
    email = serializers.EmailField()
    full_name = serializers.CharField()
    role = serializers.CharField()
    joined_at = serializers.CharField()


class TeamInvitationSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    email = serializers.EmailField(max_length=254)
    role = serializers.ChoiceField(choices=MemberRole.choices)
    expires_at = serializers.DateTimeField(read_only=True)


class RoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=MemberRole.choices)


class TeamMembersView(APIView):
    @extend_schema(responses=MemberSerializer(many=True))
    def get(self, request, organization_id: int):
        members = team.team_members(actor=request.user, organization_id=organization_id)
        return Response(MemberSerializer(members, many=True).data)


class TeamMemberView(APIView):
    @extend_schema(request=RoleSerializer, responses=RoleSerializer)
    def patch(self, request, organization_id: int, user_id: int):
        data = RoleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        team.member_role_change(
            actor=request.user,
            organization_id=organization_id,
            user_id=user_id,
            role=data.validated_data["role"],
        )
        return Response(data.validated_data)

    @extend_schema(responses={204: None})
    def delete(self, request, organization_id: int, user_id: int):
        team.member_remove(actor=request.user, organization_id=organization_id, user_id=user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TeamInvitationsView(APIView):
    @extend_schema(responses=TeamInvitationSerializer(many=True))
    def get(self, request, organization_id: int):
        invitations = team.team_invitations(actor=request.user, organization_id=organization_id)
        return Response(TeamInvitationSerializer(invitations, many=True).data)

    @extend_schema(request=TeamInvitationSerializer, responses={201: TeamInvitationSerializer})
    def post(self, request, organization_id: int):
        data = TeamInvitationSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        invitation = team.member_invite(
            actor=request.user, organization_id=organization_id, **data.validated_data
        )
        return Response(TeamInvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)


class TeamInvitationView(APIView):
    @extend_schema(responses={204: None})
    def delete(self, request, organization_id: int, invitation_id: int):
        team.invitation_revoke(
            actor=request.user, organization_id=organization_id, invitation_id=invitation_id
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
