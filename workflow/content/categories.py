"""The categories of time in a job plan and the activities of each (004 "Categories of Job Planning";
002 7.2 for the medical components). An activity type is optional on a schedule row; when given it
must belong to the row's category."""
from __future__ import annotations

DCC, SPA, ANR, ED = "DCC", "SPA", "ANR", "ED"
CATEGORIES = (DCC, SPA, ANR, ED)
CATEGORY_TITLES = {
    DCC: "Direct Clinical Care",
    SPA: "Supporting Professional Activities",
    ANR: "Additional NHS Responsibilities",
    ED: "External Duties",
}

# 004 "Categories of Job Planning": the activity rows of each table (travel is allowed in every one).
ACTIVITIES: dict[str, tuple[str, ...]] = {
    DCC: ("Other", "Travel", "Attending or priority work", "Ward rounds and inpatient work", "Multidisciplinary care",
          "Operating theatre work", "Procedures", "Outpatient activities", "Clinical diagnostic work",
          "Planning and managing patient care", "Clinical service management", "Community or home visit",
          "Administrative work directly related to clinical care", "Public health duties"),
    SPA: ("Other", "Travel", "Continuing Professional Development", "Appraiser and revalidation roles",
          "Audit, quality improvement and service evaluation", "Research", "Supervision, coaching and mentoring",
          "Education and teaching", "Job planning and rostering management", "Local clinical governance",
          "Service management", "Equipment, devices and medicines management", "Non-clinical administration"),
    ANR: ("Other", "Travel", "Director of Public Health and other public health roles",
          "Trust director, deputy director or other trust or ICS lead role", "Directorate or divisional lead role",
          "Medical Director or Professional lead", "Clinical Director", "Lead clinician", "Clinical governance lead",
          "Clinical audit lead", "Postgraduate dean", "Undergraduate dean", "Regional educational supervisor",
          "Clinical tutor", "Link roles"),
    ED: ("Other", "Travel", "Trade Union duties", "Royal College work", "Care Quality Commission work",
         "Academic activities and guest lecturing", "Externally commissioned research", "Government departmental work",
         "Other arm's length bodies work", "Professional body work", "Practitioner performance advice",
         "Media and public engagement", "Charity support"),
}

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
OBJECTIVE_KINDS = ("personal", "team", "organisational")  # 001 form; 002 7.2 personal and service objectives

# The sections of the record, in the order of the forms (001 ¶26 sections 1-8; 002 7.2). A section that
# is left empty needs a justification (002 7.6.5).
SECTIONS = (
    "schedule", "annualised", "on_call", "objectives", "supporting_resources", "accommodation", "equipment",
    "external_duties", "private_practice", "managerial_responsibilities", "accountability", "other_comments",
    "additional_pas",
)
SECTION_TITLES = {
    "post": "Post (job title, band, hours)",
    "schedule": "Weekly schedule",
    "annualised": "Annualised activities",
    "on_call": "On-call",
    "objectives": "Objectives",
    "supporting_resources": "Supporting resources",
    "accommodation": "Accommodation",
    "equipment": "Equipment",
    "external_duties": "External duties",
    "private_practice": "Private practice and other paid work",
    "managerial_responsibilities": "Managerial responsibilities",
    "accountability": "Accountability arrangements",
    "other_comments": "Other comments or agreements",
    "additional_pas": "Additional programmed activities",
}

# The editor's labels for a record's fields, where the field's name does not read well as it is; the comparison of
# two versions names the fields the same way.
FIELD_LABELS = {
    "pas": "PAs", "start": "Start", "end": "End", "time_bound": "Done by", "hours_per_year": "Hours a year",
    "agreed_by_amd": "Agreed by the Associate Medical Director", "direct_contact": "Direct contact with patients",
    "on_call_category": "On-call category", "other_nhs_work": "Other NHS work",
    "non_nhs_work": "Professional non-NHS work", "other_paid_employment": "Other paid employment",
    "linked_activities": "Linked activities (one a line)", "contracted_pas": "Contracted PAs",
    "contracted_hours": "Contracted hours", "activity_type": "Activity type",
}


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name) or name.replace("_", " ").capitalize()
