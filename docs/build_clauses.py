"""Regenerates docs/clauses.md (the clause -> policy line -> test table) after a policy file changes:
`python docs/build_clauses.py`. tests/unit/test_clauses_table.py checks the result."""
import re
import pathlib
ROOT = pathlib.Path(__file__).resolve().parents[1]
M, D, N = "cpft-medical-2017.yaml", "salaried-dental-2007.yaml", "non-medical-afc-2022.yaml"
lines = {f: (ROOT / "policies" / f).read_text().splitlines() for f in (M, D, N)}

def find(f, name, after=None):
    """first line holding `trigger: name`, `- name: name`, `name:` (state/setting/workflow key) after the workflow `after`"""
    ls = lines[f]
    start = 0
    if after:
        start = next(i for i, l in enumerate(ls) if re.match(rf"^  {after}:\s*$", l))
    pats = [rf"rule: {name}\b", rf"trigger: {name}\s*$", rf"- name: {name}\s*$", rf"^\s+{name}:", rf"^  {name}:"]
    for pat in pats:
        for i in range(start, len(ls)):
            if re.search(pat, ls[i]):
                return i + 1
    raise SystemExit(f"not found {f} {name} {after}")

def ref(f, wf, name):
    return f"`{f}:{find(f, name, wf)}:{name}`"

def R(spec):
    out = []
    for item in spec:
        f, wf, name = item
        out.append(ref(f, wf, name))
    return ", ".join(out)

def T(*names):
    return ", ".join(f"`{n}`" for n in names)

rows_002 = [
 ("7.2.2", "Additional PAs: AMD agreement, time-limited to at most 12 months from their start (plan content rules); a review does not carry them forward; in the plan in force they count from their start and stop from the day the next job planning meeting is held (local choice: the meeting day), though their end date is later and the review is not yet agreed", R([(M,None,"additional_pas_time_limited"),(M,None,"additional_pas_agreed"),(M,"sign_off","begin_review")]) + "; `workflow/service/plans.py` `plan_in_force`", T("test_additional_pas_need_reason_start_and_end_002_7_2_2","test_a_review_does_not_carry_additional_pas_forward_002_7_2_2","test_additional_pas_stop_in_the_plan_in_force_at_the_next_job_planning_meeting_002_7_2_2","test_fixed_term_letter_for_additional_pas_002_appendix_1")),
 ("7.4", "Team before individual (a warning while the team has no agreed team plan); appeals in team job planning follow the individual route: a member disputes their part through their own plan's failure to agree, mediation and appeal, and the agreed team plan and colleagues' plans are untouched; a team plan is never itself a case", R([(M,None,"team_plan_first"),(M,"sign_off","record_failure_to_agree")]) + "; `workflow/service/plans.py` `agree_team_plan`", T("test_team_plan_agreed_first_clears_the_warning_002_7_4","test_team_member_disputes_their_part_through_their_own_route_002_7_4")),
 ("7.4.3", "New practitioner: interim plan agreed within the first month from the start date (the start date is day one: 20 February gives 19 March, no extra day); the month's clock stops, met, when both have signed", R([(M,"new_starter","new_starter"),(M,"new_starter","interim_plan"),(M,"new_starter","start_interim_sign_off"),(M,"new_starter","interim_plan_signed"),(M,"new_starter","interim_plan_agreed")]), T("test_new_practitioner_interim_plan_within_first_month_002_7_4_3","test_new_practitioner_interim_plan_reminded_breached_escalated_002_7_4_3")),
 ("7.5 (1)", "Signed off by practitioner and clinical manager within 28 days of the meeting (due the end of the 28th day, local time); both sign the same version; an edit after signature sends the case back to both, who are told", R([(M,"sign_off","record_meeting"),(M,"sign_off","sign_off"),(M,"sign_off","sign"),(M,"sign_off","complete_signatures"),(M,"sign_off","revoke_signatures")]), T("test_sign_off_due_28_days_after_the_meeting_002_7_5","test_agreed_first_time_signed_approved_and_checked_002_7_5_7_6_5","test_edit_after_signature_revokes_it_002_7_5","test_edit_after_signature_tells_both_and_the_amd_and_keeps_the_28_days_002_7_5","test_sign_off_within_28_days_reminded_breached_escalated_002_7_5")),
 ("7.5 (2)", "Where no agreement is reached the form records it and the disagreement route starts", R([(M,"sign_off","record_failure_to_agree"),(M,"sign_off","disputed")]), T("test_failure_to_agree_recorded_at_the_review_meeting_not_before_002_7_8_1")),
 ("5.3, 7.6.2", "Second-level sign-off by the AMD of the care group, of a version both have signed", R([(M,"sign_off","second_level_review"),(M,"sign_off","approve_second_level")]), T("test_agreed_first_time_signed_approved_and_checked_002_7_5_7_6_5","test_the_amd_cannot_approve_an_unsigned_version_002_7_5_5_3")),
 ("7.6.5", "Governance check: right template, no section missed without justification, signed by both; else returned with reasons. A plan returned unchanged keeps its signatures and \"sign\" is not offered again: the return asks for an edit, which both then sign", R([(M,"sign_off","governance_check"),(M,"sign_off","return_to_signatories"),(M,"sign_off","accept_governance_check")]), T("test_governance_check_returns_plan_with_reasons_002_7_6_5","test_edit_after_signature_revokes_it_002_7_5","test_returned_plan_with_no_edit_is_not_offered_for_signing_again_002_7_6_5")),
 ("7.6.7", "The agreed plan is distributed (practitioner, clinical manager, HR). Not proven: care group and Finance (issue 16 item 9)", R([(M,"sign_off","accept_governance_check")]) + " (`notify`)", "—"),
 ("7.6.13", "HR validates the agreed plan against the contract and pay records (a step the policy holds; dental and AfC do not)", R([(M,"sign_off","validate_against_contract_and_pay")]), T("test_hr_checks_the_agreed_plan_against_contract_and_pay_002_7_6_13")),
 ("7.7.1", "Reviewed annually (12 months after agreement) or on significant change", R([(M,"sign_off","annual_review"),(M,"sign_off","begin_review")]), T("test_annual_review_due_12_months_after_agreement_reminded_breached_escalated_002_7_7_1","test_interim_review_makes_a_new_version_through_the_same_route_002_7_7_4")),
 ("7.7.4", "A revised plan follows the approval and governance route as a new version", R([(M,"sign_off","begin_review"),(M,"sign_off","superseded")]), T("test_interim_review_makes_a_new_version_through_the_same_route_002_7_7_4")),
 ("7.7, 7.8", "The last agreed plan stays in force while a review or dispute runs", R([(M,None,"last_agreed_plan_in_force_during_dispute"),(M,"sign_off","disputed")]) + "; `workflow/service/plans.py` `plan_in_force`", T("test_last_agreed_plan_stays_in_force_during_the_dispute_002_7_7_002_7_8")),
 ("7.8.1", "Every effort to agree at the annual review; failure recorded there", R([(M,"sign_off","record_failure_to_agree")]), T("test_failure_to_agree_recorded_at_the_review_meeting_not_before_002_7_8_1")),
 ("7.8.2", "Local resolution with the AMD encouraged, not required; the AMD is told of the failure to agree", R([(M,"disagreement","failure_recorded"),(M,"disagreement","record_local_resolution")]), T("test_agreed_locally_with_the_amd_restarts_the_28_days_002_7_8_2","test_the_amd_is_told_of_a_failure_to_agree_002_7_8_2_5_3")),
 ("7.8.3", "Formal disagreement in writing to the MD within 2 weeks of the failure to agree, with its five parts and evidence", R([(M,"disagreement","lodge_disagreement"),(M,"disagreement","raise_formal_disagreement"),(M,"disagreement","close_disagreement_window")]), T("test_formal_disagreement_states_its_structured_content_002_7_8_3","test_formal_disagreement_after_2_weeks_refused_and_window_closed_002_7_8_3","test_formal_disagreement_refused_after_2_weeks_even_before_the_sweep_002_7_8_3")),
 ("7.8.4", "The MD or an appropriate other person (no prior involvement) convenes a meeting normally within 4 weeks of receipt", R([(M,"disagreement","mediation_meeting"),(M,"disagreement","appoint_mediator"),(M,"disagreement","hold_mediation_meeting")]), T("test_mediator_with_prior_involvement_refused_002_7_8_4","test_mediation_meeting_within_4_weeks_reminded_breached_escalated_002_7_8_4")),
 ("7.8.5", "No agreement: the MD decides and informs both in writing: the message to the practitioner and the clinical manager carries the decision and the last day to appeal; the practitioner may appeal", R([(M,"disagreement","record_decision"),(M,"disagreement","decision_stands"),(M,"appeal","decline_appeal")]), T("test_decision_told_to_both_in_writing_with_the_last_day_to_appeal_002_7_8_5","test_the_decision_letter_names_the_decision_and_the_appeal_last_day_002_7_8_5","test_medical_director_decides_and_no_appeal_002_7_8_5")),
 ("7.8.6", "Agreement at mediation: back to sign-off (7.5), the 28 days from the meeting", R([(M,"disagreement","record_mediation_agreement"),(M,"sign_off","resume_sign_off")]), T("test_agreed_at_mediation_back_to_sign_off_002_7_8_6")),
 ("7.8.7", "An appeal panel is convened only when mediation fails", R([(M,"disagreement","record_decision")]) + " (`start_case: appeal`)", T("test_medical_director_decides_and_no_appeal_002_7_8_5","test_appeal_upheld_the_plan_takes_the_decided_form_002_7_8_9")),
 ("7.8.8 (1)", "Appeal in writing to the CE within 2 weeks of the outcome, with the points in dispute and reasons; late only if the CE's office extends the window with a reason before it closes; a window closed unused lets the decision take effect (7.8.5); the CE's office, the clinical manager and the MD (5.2) are told", R([(M,"appeal","lodge_appeal"),(M,"appeal","close_appeal_window")]), T("test_appeal_window_closes_and_the_decision_stands_002_7_8_8","test_the_medical_director_is_told_of_an_appeal_lodged_002_5_2","test_appeal_lodged_late_is_refused_002_7_8_8","test_late_appeal_accepted_with_a_reason_002_7_8_8","test_closed_appeal_window_makes_the_decision_take_effect_002_7_8_5_7_8_8")),
 ("7.8.2, 7.8.3 (lapse)", "A lapsed formal-disagreement window tells the AMD; local resolution may still record an agreement after day 14; after 4 more weeks (local choice) the plan goes back to the clinical manager with the AMD and MD told", R([(M,"disagreement","close_disagreement_window"),(M,"disagreement","local_resolution"),(M,"disagreement","end_local_resolution"),(M,"disagreement","record_local_resolution")]), T("test_lapsed_window_tells_the_amd_and_local_agreement_recorded_after_day_14_002_7_8_2_7_8_3","test_local_resolution_that_ends_sends_the_plan_back_with_the_md_told_002_7_8_2_7_8_3")),
 ("7.8.10 (seats)", "One chair, one appellant's nominee, one list member; a second nomination is refused; a member who cannot sit is replaced, with a reason, only by the side that named them, and the other side is told", R([(M,"appeal","nominate_chair"),(M,"appeal","nominate_panel_member"),(M,"appeal","replace_panel_member")]), T("test_7_8_10_panel_has_one_chair_one_nominee_one_list_member_002_7_8_10","test_unavailable_panel_member_replaced_with_reason_other_side_told_002_7_8_10")),
 ("7.8.4 (mediator)", "One mediator; replaced by the Medical Director with a reason, both parties told", R([(M,"disagreement","appoint_mediator"),(M,"disagreement","replace_mediator")]), T("test_one_mediator_002_7_8_4","test_mediator_replaced_with_reason_both_told_002_7_8_4")),
 ("7.5, 7.8.2, 7.8.9 (dates)", "A date of what happened (meeting, agreement, hearing) is not in the future, nor before the step it follows; the clocks run from the checked date", R([(M,"sign_off","record_meeting"),(M,"disagreement","record_local_resolution"),(M,"appeal","hold_hearing")]), T("test_meeting_date_in_the_future_refused_28_days_not_moved_002_7_5","test_local_agreement_dated_before_the_failure_to_agree_refused_002_7_8_2","test_hearing_held_in_the_future_or_before_the_appeal_refused_002_7_8_8_7_8_9")),
 ("7.8.3, 7.8.8 (withdrawal)", "The practitioner withdraws a formal disagreement (the plan goes back to the clinical manager; local choice) or an appeal (the decision stands; local choice), with a reason", R([(M,"disagreement","withdraw_disagreement"),(M,"appeal","withdraw_appeal")]), T("test_practitioner_withdraws_formal_disagreement_002_7_8_3","test_practitioner_withdraws_appeal_and_the_decision_stands_002_7_8_8")),
 ("7.5, 7.8.4, 7.8.8 (extension)", "\"Must\"/\"will\" limits (28 days, panel in 4 weeks) are not extended; \"normally\" limits extend with a reason; a party to the plan never extends a deadline alone", R([(M,"sign_off","sign_off"),(M,"disagreement","mediation_meeting"),(M,"appeal","panel_meets")]), T("test_28_days_not_extended_by_the_clinical_manager_nor_at_all_002_7_5","test_panel_in_4_weeks_not_extended_002_7_8_8","test_normally_within_4_weeks_extends_with_a_reason_002_7_8_4","test_a_party_holding_an_extending_role_still_cannot_extend_alone_004")),
 ("7.8.8 (2)", "The CE convenes the panel to meet within 4 weeks of receipt", R([(M,"appeal","panel_meets"),(M,"appeal","schedule_hearing"),(M,"appeal","hold_hearing")]), T("test_panel_meets_within_4_weeks_reminded_breached_escalated_002_7_8_8")),
 ("7.8.9", "Recommendation to the board normally within 2 weeks of the hearing; the board decides, normally accepting it; the plan takes the decided form", R([(M,"appeal","recommendation"),(M,"appeal","record_recommendation"),(M,"appeal","record_board_decision"),(M,"disagreement","appeal_concluded"),(M,"sign_off","settle_by_decision")]), T("test_recommendation_within_2_weeks_of_hearing_reminded_breached_escalated_002_7_8_9","test_appeal_upheld_the_plan_takes_the_decided_form_002_7_8_9","test_appeal_dismissed_the_medical_directors_decision_stands_002_7_8_9","test_board_departing_from_the_recommendation_records_why_002_7_8_9","test_board_decision_names_an_existing_version_002_7_8_9")),
 ("7.8.9 (vary)", "The board's \"vary the plan\" carries the plan as the board varied it, written as a new version (noting the version it varies) and adopted; refused without one, or when it is the same as the version it varies; no other decision carries one. The decision form shows the panel's recommendation beside the choice", R([(M,"appeal","record_board_decision"),(M,"appeal","varied_plan")]), T("test_board_varies_the_plan_a_new_version_is_written_and_adopted_002_7_8_9","test_board_vary_needs_the_varied_plan_and_a_real_variation_002_7_8_9","test_board_form_shows_the_panels_recommendation_beside_the_choice_002_7_8_9","test_board_vary_form_takes_the_varied_plan_as_json_002_7_8_9","test_in_flight_board_decision_on_version_1_adopts_the_named_version_002_7_8_9")),
 ("7.8.10", "Panel: employer's chair, appellant's nominee, a member from the approved list; nobody involved in the dispute; all three before the hearing", R([(M,"appeal","nominate_chair"),(M,"appeal","nominate_panel_member"),(M,"appeal","allocate_list_member"),(M,None,"appeal_panel_roles")]), T("test_hearing_refused_until_the_panel_is_complete_002_7_8_10","test_panel_member_with_prior_involvement_refused_002_7_8_10","test_list_member_involved_in_the_dispute_is_never_allocated_002_7_8_10")),
 ("7.8.11", "Allocation from the list is monitored so the same people are not routinely called", R([(M,"appeal","allocate_list_member")]) + "; `workflow/panel.py` `choose_list_member`, `sittings_report`", T("test_list_member_allocated_least_used_never_involved_002_7_8_10_7_8_11","test_sittings_report_per_list_member_002_7_8_11")),
 ("7.8.12", "One objection by either side to the first list member; one alternative allocated; the member is told, and the practitioner learns who by name (no last day to object: the source sets none)", R([(M,"appeal","object_to_list_member")]), T("test_panel_members_told_of_their_seat_and_the_practitioner_of_the_list_member_by_name_002_7_8_10_7_8_12","test_objection_to_first_list_member_allocates_one_alternative_002_7_8_12","test_second_objection_refused_002_7_8_12","test_objection_before_any_allocation_refused_002_7_8_12")),
 ("7.8.13", "Own case, colleague, trade union or professional body representative; no legal representative; the panel and the CE's office are told who", R([(M,"appeal","name_representative")]), T("test_legal_representative_refused_002_7_8_13","test_the_panel_and_the_ce_office_are_told_of_the_representative_named_002_7_8_13")),
 ("7.8.14–7.8.18", "Risk management (section 7.10, numbered 7.8.14–18 in the source)", "— not a workflow rule: risks and their reporting are issue 8", "—"),
 ("5.3", "The AMD sees and reports on their own care group only", "—", T("test_amd_sees_only_their_care_group_and_others_are_refused_002_5_3")),
 ("6.1–6.5", "The job planning cycle (objectives, appraisal, care group deadlines agreed with the AMD)", "— not a workflow rule: the trust's timetable (6.5, 7.6.4) is not modelled", "—"),
 ("7.6.8", "A master log of all job planning activity per individual and care group", "—", T("test_master_log_lists_all_activity_per_person_and_care_group_002_7_6_8","test_master_log_filters_by_person_and_care_group_002_7_6_8")),
 ("7.6.9", "Quarterly completion reports: plans approved in each quarter", "—", T("test_quarterly_completion_counts_sign_offs_per_quarter_002_7_6_9")),
 ("10", "Monitoring compliance: plans approved (through governance, or a decided version adopted) in the last 12 months, by care group, team and staff group, against more than 90%; a 10% audit sample", "—", T("test_compliance_by_care_group_team_and_staff_group_against_90_percent_002_10_004_kpi","test_signatures_on_a_version_returned_at_governance_are_not_an_approved_plan_004_kpi_002_10","test_a_plan_settled_by_a_decision_counts_as_approved_004_kpi_002_10_7_8_5","test_more_than_90_percent_is_strict_9_of_10_does_not_meet_it_004_kpi","test_audit_sample_is_10_percent_and_reproducible_from_its_seed_002_10")),
 ("all", "Every clause a policy cites is a clause of its source: `jobplan policy check` refuses \"99.99\"", "`workflow/policy/source_clauses.json`", T("test_policy_check_refuses_clause_99_99_not_in_002","test_every_place_a_clause_is_cited_is_checked_002")),
]

rows_001 = [
 ("1", "Both normally prepare a draft, discuss, seek agreement", R([(D,"sign_off","share_draft"),(D,"sign_off","record_discussion")]), T("test_both_prepare_drafts_discuss_and_both_sign_001_1_26_9")),
 ("3", "The clinical director confirms the schedule after full discussion (so, without an appeal, the CD's plan stands)", R([(D,"disagreement","record_not_resolved"),(D,"disagreement","decision_stands")]), T("test_not_resolved_and_no_appeal_the_clinical_directors_plan_stands_001_3_20")),
 ("26.9", "Both sign the same version (local choice: 28 days)", R([(D,"sign_off","sign"),(D,"sign_off","sign_off")]), T("test_both_prepare_drafts_discuss_and_both_sign_001_1_26_9","test_edit_after_signature_revokes_it_001_26_9","test_sign_off_and_outcome_report_deadlines_are_local_choices_reminded_breached_escalated_001_18_26_9")),
 ("15–17", "Annual review; may give a revised plan", R([(D,"sign_off","annual_review"),(D,"sign_off","begin_review")]), T("test_annual_review_reminded_breached_escalated_001_15","test_interim_review_when_duties_change_makes_a_new_version_001_17_19")),
 ("18", "CD reports the outcome to the MD, copied to the dentist; the dentist may ask to meet the MD", R([(D,"sign_off","outcome_to_report"),(D,"sign_off","report_outcome"),(D,"sign_off","request_medical_director_meeting"),(D,"sign_off","record_medical_director_meeting")]), T("test_outcome_reported_to_medical_director_copied_to_dentist_001_18","test_dentist_may_ask_to_meet_the_medical_director_001_18","test_sign_off_and_outcome_report_deadlines_are_local_choices_reminded_breached_escalated_001_18_26_9")),
 ("19", "Interim review when duties change significantly", R([(D,"sign_off","begin_review")]), T("test_interim_review_when_duties_change_makes_a_new_version_001_17_19")),
 ("20", "Referral to the MD for mediation (local choice: 2 weeks to refer, 4 weeks to meet), then appeal (schedule 6; local choice: the national 002 7.8.8–7.8.13 route)", R([(D,"disagreement","refer_disagreement"),(D,"disagreement","refer_to_medical_director"),(D,"disagreement","mediation_meeting"),(D,"disagreement","record_mediation_agreement"),(D,"appeal","lodge_appeal"),(D,"appeal","panel_meets"),(D,"appeal","decision"),(D,"appeal","record_appeal_decision")]), T("test_disagreement_referred_to_medical_director_and_resolved_at_mediation_001_20","test_referral_window_reminded_and_closed_001_20","test_mediation_within_4_weeks_reminded_breached_escalated_001_20","test_appeal_upheld_001_20","test_appeal_dismissed_001_20","test_appeal_lodged_late_refused_and_the_outcome_takes_effect_when_the_window_closes_001_20","test_dentist_withdraws_appeal_001_20","test_panel_objection_once_prior_involvement_and_legal_representative_refused_001_20","test_appeal_panel_within_4_weeks_reminded_breached_escalated_001_20","test_appeal_decision_within_2_weeks_of_hearing_reminded_breached_escalated_001_20")),
 ("26", "The form's nine sections: schedule and objectives filled, sections 3-7 filled or justified, other work declared; an empty plan cannot be signed", R([(D,None,"sections_present"),(D,None,"sections_justified"),(D,None,"private_practice_declared")]), T("test_empty_dental_plan_cannot_be_signed_001_26")),
]

rows_004 = [
 ("Example sign off hierarchy", "1st level line manager (with the staff member), 2nd level senior manager", R([(N,"sign_off","sign"),(N,"sign_off","complete_signatures"),(N,"sign_off","approve_second_level"),(N,"sign_off","sign_off"),(N,"sign_off","second_level_review")]), T("test_two_level_sign_off_line_manager_then_senior_manager_004_sign_off_hierarchy","test_senior_manager_of_another_care_group_cannot_see_the_plan_004_sign_off_hierarchy","test_edit_after_signature_revokes_it_004_sign_off_hierarchy","test_sign_off_and_second_level_deadlines_reminded_breached_escalated_004_sign_off_hierarchy")),
 ("Managers check-list", "The second-level review answers the eleven questions; a failing plan is returned with reasons", R([(N,"sign_off","approve_second_level"),(N,"sign_off","return_to_signatories")]), T("test_second_level_review_is_the_managers_checklist_004_managers_checklist")),
 ("Use of Data and Dashboards", "Active plan = approved in the past 12 months; KPI more than 90% (strict), counting approvals, not signatures; planned against delivered hours not reported (no delivery data is held)", R([(N,"sign_off","annual_review")]), T("test_active_plan_reviewed_within_12_months_reminded_breached_escalated_004_dashboards","test_compliance_is_rolling_12_months_an_approval_drops_out_after_a_year_004_kpi","test_more_than_90_percent_is_strict_9_of_10_does_not_meet_it_004_kpi","test_planned_against_delivered_is_said_not_reported_for_want_of_delivery_data_004_kpi")),
 ("Minimum standards", "Band, service line, all time accounted for, schedule (categorised, located), objectives and supporting resources: an empty plan cannot be signed; whole-time equivalents on 37.5 hours", R([(N,None,"post_recorded"),(N,None,"sections_present"),(N,None,"contracted_time_accounted")]), T("test_empty_afc_plan_cannot_be_signed_004_minimum_standards","test_afc_whole_time_equivalents_use_37_5_hours_004_minimum_standards")),
 ("Job Planning Consistency Panel", "Plans within 5% of the agreed split pass; others are reviewed as warranted or unwarranted variance", "—", T("test_consistency_flags_plans_outside_5_percent_of_agreed_split_004_consistency_panel","test_consistency_row_matches_004_example_37_5_hours")),
 ("Stage 1", "Local resolution with HR and the job planning team; either side may request mediation", R([(N,"disagreement","local_resolution"),(N,"disagreement","record_local_agreement"),(N,"disagreement","request_mediation")]), T("test_stage_1_local_resolution_agreed_004_stage_1","test_stage_1_either_side_may_request_mediation_and_it_is_timed_004_stage_1")),
 ("Stage 2", "Mediation by a member of HR and of the job planning team, experienced, no prior involvement; if unsuccessful HR helps escalate", R([(N,"disagreement","assign_hr_mediator"),(N,"disagreement","assign_job_planning_mediator"),(N,"disagreement","hold_mediation_meeting"),(N,"disagreement","mediation_meeting"),(N,"disagreement","record_mediation_unsuccessful")]), T("test_stage_2_mediators_from_hr_and_job_planning_with_no_prior_involvement_004_stage_2","test_stage_2_agreed_at_mediation_004_stage_2","test_stage_2_mediation_within_4_weeks_reminded_breached_escalated_004_stage_2")),
 ("Stage 3 (request)", "The request: name, role, key responsibilities, both sides' concerns, summary so far", R([(N,"appeal","submit_appeal_request"),(N,"appeal","submit_request")]), T("test_stage_3_request_content_and_submission_deadline_004_stage_3")),
 ("Stage 3 (panel)", "Consistency panel chair for the group, a professional lead, a staff side member; none previously involved", R([(N,"appeal","nominate_consistency_panel_chair"),(N,"appeal","nominate_professional_lead"),(N,"appeal","nominate_staff_side_member"),(N,"appeal","make_recommendations")]), T("test_stage_3_panel_none_with_previous_involvement_004_stage_3")),
 ("Stage 3 (8 weeks)", "Written recommendations within 8 weeks of the request reaching the panel", R([(N,"appeal","recommendations")]), T("test_stage_3_written_recommendations_within_8_weeks_reminded_breached_escalated_004_stage_3","test_stage_3_recommendations_put_into_effect_004_stage_3")),
 ("Stage 2, Stage 3 (seats)", "One HR mediator, one job planning mediator; one chair, one professional lead, one staff side member; a holder who cannot sit is replaced with a reason, the staff member told", R([(N,"disagreement","assign_hr_mediator"),(N,"disagreement","replace_mediator"),(N,"appeal","nominate_staff_side_member"),(N,"appeal","replace_panel_member")]), T("test_stage_2_one_hr_mediator_004_stage_2","test_stage_3_panel_has_one_of_each_004_stage_3")),
 ("Stage 2, Stage 3 (seat roles)", "The HR mediator is HR; the chair is at director level; the staff side member is from staff side", R([(N,None,"mediator_hr"),(N,None,"consistency_panel_chair"),(N,None,"staff_side_member")]), T("test_hr_mediator_must_be_hr_004_stage_2","test_staff_side_and_director_level_chair_must_hold_those_roles_004_stage_3")),
 ("Stage 3 (withdrawal)", "The staff member declines or withdraws the appeal request; the plan goes back to the line manager (local choice)", R([(N,"appeal","withdraw_appeal_request"),(N,"disagreement","appeal_withdrawn"),(N,"sign_off","reopen_sign_off")]), T("test_staff_member_declines_or_withdraws_the_stage_3_request_004_stage_3")),
 ("Stage 3 (response)", "The staff member accepts the recommendations, or either side escalates to grievance within 4 weeks (local choice); then they take effect; the line manager alone cannot close the route", R([(N,"appeal","accept_recommendations"),(N,"appeal","respond_to_recommendations"),(N,"appeal","implement_recommendations")]), T("test_line_manager_alone_cannot_close_the_route_to_grievance_004_stage_3","test_recommendations_take_effect_when_the_4_weeks_pass_unanswered_004_stage_3","test_stage_3_recommendations_put_into_effect_004_stage_3")),
 ("Stage 3 (grievance)", "If unsatisfied, the Trust grievance procedure: the workflow records the hand-off and ends", R([(N,"appeal","escalate_to_grievance"),(N,"disagreement","appeal_to_grievance"),(N,"sign_off","hand_to_grievance")]), T("test_stage_3_unsatisfied_hand_off_to_trust_grievance_procedure_ends_004_stage_3")),
]

rows_000 = [
 ("2a", "Where a job plan cannot be agreed, the doctor or the clinical manager may refer it to mediation and appeal (Schedule 5): for a specialty doctor or associate specialist either refers alone (local choice: the source's \"the doctor and clinical manager\" read as either), within 7.8.3's 2 weeks, and the other party and the MD are told; a consultant's manager may not (002 7.8.3). Version 1 of the policy, kept for its cases, lets only the practitioner refer", R([(M,None,"manager_may_refer_staff_groups"),(M,"disagreement","raise_formal_disagreement")]), T("test_000_2a_sas_clinical_manager_may_refer_to_mediation","test_000_2a_sas_doctor_may_refer_to_mediation","test_000_2a_only_the_consultant_refers_a_consultants_plan_002_7_8_3","test_000_2a_the_clinical_managers_referral_closes_with_the_2_week_window_002_7_8_3","test_in_flight_case_keeps_version_1_rules_000_2a")),
]

def table(rows):
    out = ["| clause | rule | policy line(s) | test(s) |", "| --- | --- | --- | --- |"]
    for c, r, p, t in rows:
        out.append(f"| {c} | {r} | {p} | {t} |")
    return "\n".join(out)

doc = f"""# Clauses → policy lines → tests

Each row maps a clause of a source document to the lines of the shipped policy that implement it
(`file:line:name`, in `policies/`) and to the scenario tests that prove it (in `tests/integration/`).
`tests/unit/test_clauses_table.py` checks that every named line still holds that name and every named
test exists, so this table cannot silently go stale. "Local choice" marks a time limit the source
does not set; the policy file says why on the deadline (`local_choice:`).

Medical deadlines, who is told and when (reminders before; escalation after breach, days after due):
sign-off 28 days from the meeting (reminders 7, 2; clinical manager and practitioner at 0, AMD at 7, MD at 14);
annual review 12 months (28, 7; both at 0, AMD at 28); interim plan one month from the start date
(14, 7; clinical manager and AMD at 0, MD at 7); formal disagreement 2 weeks (7, 2; closes the window);
mediation meeting normally 4 weeks (7; MD at 0, CE's office at 7); appeal 2 weeks (7, 2; closes the
window and the decision takes effect; a late appeal needs the CE's office to extend the window, with a reason, before it closes); panel meets 4 weeks (14, 7; CE's
office at 0, CE's office and MD at 7); recommendation normally 2 weeks from the hearing (3; chair and CE's
office at 0). Counting is calendar days in Europe/London; "normally" limits and lodging windows are
`extendable: true`, "must"/"will" limits (`source_says: must`) are not, and no party to the plan extends alone (the extension itself is `workflow/service/deadlines.py`, issue 5).

## 002 — Interim Job Planning Policy POL/004/042 (`cpft-medical-2017`)

{table(rows_002)}

## 001 — Salaried primary dental care, NHS Employers 2007 (`salaried-dental-2007`)

{table(rows_001)}

## 004 — Non Medical Job Planning Operational Toolkit 2022 (`non-medical-afc-2022`)

{table(rows_004)}

## 000 — Job planning, a brief introduction (SAS doctors; `cpft-medical-2017` for specialty doctors and associate specialists)

{table(rows_000)}
"""
(ROOT / "docs" / "clauses.md").write_text(doc)

