"""Setting a trust up and keeping it (issue 17 item 2): care groups and teams, people, role assignments, the
approved appeal panel list. Every change is decided by ``workflow.access`` (capabilities ``administer_*``,
``assign_roles``, ``keep_panel_list``), audited as a trust-level event, and refused with a field named."""
