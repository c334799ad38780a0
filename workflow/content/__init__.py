"""The job plan record: its shape (``schema``), its arithmetic (``calculations``), the policy's content
rules (``rules``) and the assessment of a stored plan (``assess``)."""
