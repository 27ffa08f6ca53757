"""The registry of capabilities: which Django apps exist and how the landing page links them.

A capability is listed here once; settings, URLs, the API and the landing page all read this list,
so adding a capability never means editing four files.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType


@dataclass(frozen=True)
class Capability:
    app: str  # dotted Django app path
    slug: str  # URL prefix under /
    title_en: str
    title_ko: str
    summary_en: str
    summary_ko: str
    public: bool  # whether anonymous visitors get a page
    #: models ("app.Model") whose rows change only through the workflow: read-only in the admin
    admin_read_only: tuple[str, ...] = ()
    #: models that are proof (deletion records, overrides): neither editable nor deletable in the admin
    admin_proof: tuple[str, ...] = ()


CAPABILITIES: tuple[Capability, ...] = (
    Capability(
        "epiaid.situation",
        "situation",
        "Situation map",
        "상황 지도",
        "Confirmed cases' disclosed visits, clusters and screening clinics.",
        "확진자 공개 동선, 집단발생, 선별진료소.",
        True,
    ),
    Capability(
        "epiaid.masks",
        "masks",
        "Mask stock",
        "공적 마스크 재고",
        "Where to buy masks, and the public stock API.",
        "마스크 판매처 재고와 공개 API.",
        True,
    ),
    Capability(
        "epiaid.investigation",
        "investigation",
        "Epidemiological investigation",
        "역학조사 지원",
        "Request–approval workflow, case paths and contacts.",
        "자료 요청·승인, 동선 재구성, 접촉자.",
        False,
        admin_read_only=("investigation.Investigation", "investigation.DataRequest", "investigation.Delivery"),
        admin_proof=("investigation.DeletionRecord",),
    ),
    Capability(
        "epiaid.trends",
        "trends",
        "Media and search trends",
        "언론·검색 동향",
        "Change points, issue timing and related words.",
        "변곡점, 이슈 시점, 연관어.",
        False,
    ),
    Capability(
        "epiaid.assay",
        "assay",
        "RT-PCR assay design",
        "RT-PCR 진단 시약 설계",
        "Multiplex panels from genomes, inclusivity surveillance.",
        "유전체 기반 다중 패널 설계와 검출력 감시.",
        False,
    ),
    Capability(
        "epiaid.repurposing",
        "repurposing",
        "Drug repurposing",
        "약물 재창출",
        "Drug–target affinity ranking of approved drugs, docking.",
        "승인 약물의 약물–표적 친화도 순위, 도킹.",
        False,
    ),
    Capability(
        "epiaid.xray",
        "xray",
        "Chest X-ray triage",
        "흉부 X선 분류",
        "Pneumonia findings, severity, heatmap and worklist.",
        "폐렴 소견, 중증도, 히트맵, 판독 목록.",
        False,
        admin_read_only=("xray.Read",),
        admin_proof=("xray.Override",),
    ),
    Capability(
        "epiaid.programmes",
        "programmes",
        "Support programmes",
        "지원사업",
        "Compute allocation, data and cloud vouchers: apply, review, decide, provision, pay.",
        "컴퓨팅 자원·데이터·클라우드 바우처: 신청, 심사, 선정, 배정, 지급.",
        True,
    ),
    Capability(
        "epiaid.chatbot",
        "chatbot",
        "Public-information chatbot",
        "코로나19 상담 챗봇",
        "Answers from the FAQ and our own map and mask data, self-check, staff hand-off.",
        "FAQ와 지도·마스크 자료로 답하고, 자가진단, 상담원 연결.",
        True,
    ),
    Capability(
        "epiaid.carecall",
        "carecall",
        "Care call",
        "능동감시 확인 전화",
        "Twice-daily symptom check-ins of people under monitoring: calls, texts, alerts, reports.",
        "능동감시 대상자 하루 두 번 증상 확인: 전화·문자, 긴급 알림, 보고.",
        False,
    ),
)

CAPABILITY_APPS: tuple[str, ...] = tuple(c.app for c in CAPABILITIES)


def capability_modules(name: str) -> list[tuple[Capability, ModuleType]]:
    """Each capability's optional ``<app>.<name>`` module (api, urls, asgi, demo), in registry order.

    A capability without that module is skipped; an import error *inside* an existing module is raised,
    never mistaken for absence.
    """
    found = []
    for cap in CAPABILITIES:
        dotted = f"{cap.app}.{name}"
        try:
            found.append((cap, importlib.import_module(dotted)))
        except ModuleNotFoundError as exc:
            if exc.name != dotted:
                raise
    return found
