@phase @T+1h @on-call @budget-1m @paced-budget-1m
Feature: T+1h — the first hour: watch, and roll back on a trigger
  What happens: on call watches health and readiness, GitHub sign-in and Slack SAML. A
  rollback starts on any trigger: health or readiness flapping; OAuth callbacks or SAML
  launches failing for more than half of attempts over 5 minutes; data corruption. Rolling
  back means DNS back to laddr and laddr's writes re-enabled, which loses nothing as long as
  laddr was never written and no member has created a record on the new site.

  Who: on call (@on-call) watches and may start the rollback; the cutover lead is told.

  What stops (rolls back) the cutover: the watch calling "roll back" (its triggers below);
  a failure in this page's scenarios or in the T+1h scenarios of "Slack SAML continuity".

  Run: the whole phase once (`cutover run --profile production.toml --phase T+1h`), then the
  watch for the hour: `cutover watch --profile production.toml --minutes 60 --interval 15`.
  It prints one line per probe round and ends "hold" (exit 0) or "roll back" (exit 1) with
  the trigger that fired, and says whether the point of no return has passed.

  How the triggers are judged: health or readiness failing two probes in a row is "down";
  changing between up and down three times within the sustained span is "flapping". GitHub
  sign-in or Slack SAML failing in more than half of the probes over a sustained span — the
  runbook's 5 minutes of its hour, so a twelfth of the watch, at least two rounds — is
  sustained failure. A probe the stack's rate limit refused counts neither way. Legacy URLs
  and pages that fail are listed for a person to look at; no trigger covers them. Data
  corruption is judged by reconcile, not here.

  @T+1d
  Scenario: A round of first-hour probes is clean
    When a round of probes is made: health, readiness, a member's page, a project's page, a legacy ID redirect, the SAML metadata and the GitHub sign-in start
    Then every probe answers as the contract says

  Scenario: A short watch of the new stack holds
    When on call watches the new stack for 3 rounds, 1 second apart
    Then the watch ends "hold", with a line for every round

  @starts-stack
  Scenario: The alarm fires: health that breaks during a watch is seen within two failed probes
    When a second instance of the stack is watched and stops answering after the second round
    Then the watch calls "roll back" within two failed probes of the break

  # No fault expresses its bad case; the judgement is failed by the unit test harness::watch::no_return::tests::the_first_change_is_the_point_of_no_return_and_everything_is_listed.
  Scenario: The point of no return is reported
    Until a member creates something on the new side, rolling back loses nothing. After that,
    what they created must be replayed into laddr or given up: this lists it (advisory).
    When the data repo's commits and the private store since the import are read
    Then it says whether anything was created on the new side, and what a rollback would replay
