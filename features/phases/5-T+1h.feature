@phase @T+1h @on-call @budget-1m @paced-budget-1m
Feature: T+1h — the first hour: watch, and roll back on a trigger
  What happens: on call watches health and readiness, GitHub sign-in and Slack SAML. A
  rollback starts on any trigger: health or readiness flapping; OAuth callbacks or SAML
  launches failing for more than half of attempts over 5 minutes; data corruption. Rolling
  back means DNS back to laddr and laddr's writes re-enabled, which loses nothing as long as
  laddr was never written and no member has created a record on the new site.

  Who: on call (@on-call) watches and may start the rollback; the cutover lead is told.

  What stops (rolls back) the cutover: a probe round that fails; any failure in the T+1h
  scenarios of "Slack SAML continuity".

  Run: the whole phase once (`cutover run --profile production.toml --phase T+1h`), then the
  probe round every 10 minutes for the hour (`--phase T+1h --tags @phase`).

  @T+1d
  Scenario: A round of first-hour probes is clean
    When a round of probes is made: health, readiness, a member's page, a project's page, a legacy ID redirect, the SAML metadata and the GitHub sign-in start
    Then every probe answers as the contract says
