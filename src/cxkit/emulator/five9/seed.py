"""The demo Five9 domain: its users, skills, reason codes, campaigns and lookups.

The two login users (a supervisor and an agent) come from
:data:`cxkit.emulator.tenant.DEMO` so every plugin, doc and test shares one set of
credentials; eight more agents give the scripted scenario (and wallboards) something to show.
Everything is fixed data, so ids and names are the same on every run.
"""

from __future__ import annotations

from cxkit.emulator.five9.model import (
    CallVariable,
    Campaign,
    ContactField,
    Disposition,
    Notice,
    ReasonCode,
    Recording,
    Skill,
    User,
)
from cxkit.emulator.five9.options import Five9Options
from cxkit.emulator.five9.state import Tenant
from cxkit.emulator.tenant import Five9Tenant

__all__ = [
    "AGENT_PERMISSIONS",
    "DISPOSITIONS",
    "SCENARIO_AGENT_IDS",
    "SUPERVISOR_PERMISSIONS",
    "add_lookups",
    "add_supervisor",
    "seed_tenant",
]

AGENT_PERMISSIONS = [
    "CAN_RUN_WEB_AGENT",
    "CAN_WRAPUP_CALL",
    "CAN_MAKE_CALLS_TO_EXTERNAL",
    "CAN_MAKE_CALLS_TO_AGENT",
    "CAN_MAKE_CALLS_TO_SPEED_DIAL",
    "CAN_TRANSFER_TO_AGENT",
    "CAN_TRANSFER_TO_EXTERNAL",
    "CAN_TRANSFER_TO_SPEED_DIAL",
    "CAN_CREATE_CONFERENCE_WITH_AGENT",
    "CAN_CREATE_CONFERENCE_WITH_EXTERNAL",
    "CAN_CREATE_CONFERENCE_WITH_SPEED_DIAL",
    "CAN_PLACE_CALL_ON_HOLD",
    "CAN_REJECT_CALLS",
    "CAN_RECEIVE_TRANSFERS",
    "CAN_CHANGE_DATA_FIELDS",
    "CAN_CONFIGURE_AUTO_ANSWER",
    "IS_VOICE_MEDIA_ENABLED",
    "IS_ACTIVE_FLAG",
]
SUPERVISOR_PERMISSIONS = [
    "CAN_RUN_SUPERVISOR",
    "CAN_RUN_WEB_CLIENT",
    "CAN_ACCESS_DASHBOARD",
    "CAN_VIEW_AGENTS_DATA",
    "CAN_VIEW_SKILLS_DATA",
    "CAN_VIEW_CAMPAIGNS_DATA",
    "CAN_VIEW_STATIONS_DATA",
    "CAN_VIEW_USERS_DATA",
    "CAN_VIEW_AGENT_GROUPS_DATA",
    "CAN_VIEW_ACTIVE_SESSIONS",
    "CAN_SILENT_MONITOR",
    "CAN_WHISPER_MONITOR",
    "CAN_BARGE_IN_MONITOR",
    "CAN_REVIEW_VOICE_RECORDINGS",
    "CAN_EDIT_AGENT_SKILLS",
    "IS_ACTIVE_FLAG",
]

SALES, SUPPORT, BILLING = "300000000000171", "300000000000127", "300000000000125"

_AGENTS: tuple[tuple[str, str, str, dict[str, int], str], ...] = (
    ("3000011", "ava.lopez", "Ava Lopez", {SALES: 1, SUPPORT: 2}, "300000000000301"),
    ("3000012", "ben.okafor", "Ben Okafor", {SALES: 1}, "300000000000301"),
    ("3000013", "chloe.martin", "Chloe Martin", {SUPPORT: 1, BILLING: 2}, "300000000000301"),
    ("3000014", "dev.patel", "Dev Patel", {SUPPORT: 1}, "300000000000301"),
    ("3000015", "emma.schulz", "Emma Schulz", {BILLING: 1}, "300000000000302"),
    ("3000016", "felix.nguyen", "Felix Nguyen", {SALES: 2, BILLING: 1}, "300000000000302"),
    ("3000017", "grace.kim", "Grace Kim", {SALES: 1, SUPPORT: 1}, "300000000000302"),
    ("3000018", "hugo.silva", "Hugo Silva", {SUPPORT: 2, BILLING: 1}, "300000000000302"),
)
SCENARIO_AGENT_IDS = tuple(a[0] for a in _AGENTS)


def add_supervisor(
    tenant: Tenant,
    demo: Five9Tenant,
    *,
    skills: tuple[str, ...] = (SALES,),
    groups: tuple[str, ...] = ("300000000000301",),
) -> None:
    """Add the demo domain's supervisor (the published supervisor credentials), who runs
    ``skills`` and ``groups`` (what its "MY" stats filters select)."""
    sup = demo.supervisor
    tenant.add_user(
        User(
            id=sup.user_id,
            user_name=sup.username,
            full_name=f"{sup.first_name} {sup.last_name}",
            extension="0100",
            email=sup.username,
            password=sup.password.reveal(),
            roles=["DomainSupervisor"],
            permissions=SUPERVISOR_PERMISSIONS,
            skill_levels=dict.fromkeys(skills, 1),
            group_ids=list(groups),
        )
    )


DISPOSITIONS = (
    Disposition("0", "No Disposition", "System", system=True),
    Disposition("-5", "Abandon", "System", system=True),
    Disposition("-17", "Agent Error", "System", system=True),
    Disposition("-23", "Transferred To 3rd Party", "System", system=True),
    Disposition("300000000000401", "Sale", "Customer bought"),
    Disposition("300000000000402", "No Sale", "Customer declined"),
    Disposition("300000000000403", "Call Back", "Call the customer back"),
    Disposition("300000000000404", "Resolved", "Issue resolved"),
)
CUSTOM_DISPOSITIONS = ("300000000000401", "300000000000402", "300000000000403", "300000000000404")


def add_lookups(tenant: Tenant, options: Five9Options) -> None:
    """Dispositions, contact fields, call variables and maintenance notices: the same in
    the scripted domain and in the simulated one."""
    for disp in DISPOSITIONS:
        tenant.dispositions[disp.id] = Disposition(
            disp.id, disp.name, disp.description, system=disp.system
        )
    for field_def in (
        ContactField("1", "number1", "PHONE", primary=True),
        ContactField("2", "first_name", "STRING"),
        ContactField("3", "last_name", "STRING"),
        ContactField("4", "email", "EMAIL"),
        ContactField("114", "influence_score", "NUMBER"),
    ):
        tenant.contact_fields[field_def.id] = field_def
    for cav in (
        CallVariable("300000000000501", "session_id", "Call", "STRING"),
        CallVariable("300000000000502", "number", "Call", "PHONE"),
        CallVariable("300000000000503", "DNIS", "Call", "PHONE"),
        CallVariable("300000000000504", "order_id", "Custom", "STRING"),
    ):
        tenant.call_variables[cav.id] = cav
    tenant.notices = [Notice(n.id, n.annotation, n.text) for n in options.notices]


def seed_tenant(tenant: Tenant, demo: Five9Tenant, options: Five9Options) -> None:
    """Fill an empty tenant with the demo domain."""
    for skill_id, name in ((SALES, "Sales"), (SUPPORT, "Support"), (BILLING, "Billing")):
        tenant.add_skill(Skill(id=skill_id, name=name, description=f"{name} queue"))
    tenant.agent_groups.update({"300000000000301": "Tier 1", "300000000000302": "Tier 2"})

    add_supervisor(tenant, demo)
    agent = demo.agent
    tenant.add_user(
        User(
            id=agent.user_id,
            user_name=agent.username,
            full_name=f"{agent.first_name} {agent.last_name}",
            extension="0101",
            email=agent.username,
            password=agent.password.reveal(),
            roles=["Agent"],
            permissions=AGENT_PERMISSIONS,
            skill_levels={SALES: 1, SUPPORT: 1},
            group_ids=["300000000000301"],
            options={"TONE_ON_INCOMING_INBOUND_CALL"},
        )
    )
    for index, (user_id, login, full_name, skills, group) in enumerate(_AGENTS):
        tenant.add_user(
            User(
                id=user_id,
                user_name=f"{login}@cxkit.local",
                full_name=full_name,
                extension=f"{111 + index:04d}",
                email=f"{login}@cxkit.local",
                password="cxkit-demo-agent",
                roles=["Agent"],
                permissions=AGENT_PERMISSIONS,
                skill_levels=dict(skills),
                group_ids=[group],
            )
        )

    for code_id, name in (
        ("367541", "Break"),
        ("367542", "Lunch"),
        ("367543", "Meeting"),
        ("367544", "Training"),
    ):
        tenant.not_ready_codes[code_id] = ReasonCode(code_id, name, True)
    tenant.not_ready_codes["367545"] = ReasonCode("367545", "System Not Ready", False)
    tenant.logout_codes["367601"] = ReasonCode("367601", "End of Shift", True)
    tenant.logout_codes["367602"] = ReasonCode("367602", "Forced Logout", False)

    add_lookups(tenant, options)
    custom = list(CUSTOM_DISPOSITIONS)
    for campaign in (
        Campaign("1137597", "Inbound Sales", skill_ids=[SALES], profile_id="300000000000601"),
        Campaign("1137598", "Inbound Support", skill_ids=[SUPPORT, BILLING]),
        Campaign(
            "1137599",
            "Outbound Renewals",
            campaign_type="OUTBOUND",
            state="NOT_RUNNING",
            profile_id="300000000000602",
        ),
    ):
        campaign.disposition_ids = list(custom)
        tenant.add_campaign(campaign)

    now = tenant.clock_ms()
    tenant.recordings[agent.user_id] = [
        Recording(
            id=str(700001 + i),
            agent_id=agent.user_id,
            campaign_id="1137597",
            created=now - (i + 1) * 3_600_000,
            number=f"92555501{i:02d}",
            name=f"recording_{700001 + i}.wav",
            length=60_000 + i * 1_000,
            call_session_id=tenant.ids.call_id(),
        )
        for i in range(5)
    ]
