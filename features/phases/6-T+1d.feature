@phase @T+1d @cutover-lead @on-call
Feature: T+1d — the day after: past the point of no return
  What happens: members have created records on the new site, so a rollback would now lose
  their work: from here problems are fixed forward. The cutover lead confirms, with the
  T+1d run, that the new site is still healthy (the probe round of T+1h), that laddr was
  still never written (the freeze), and that nothing the cutover promised has been undone
  by a day of use ("After the cutover"). laddr stays frozen and readable until T+180d.

  Who: the cutover lead (@cutover-lead) confirms and closes the cutover window; on call
  (@on-call) hands over to ordinary operations.

  What stops (escalates) it: any failure in the T+1d scenarios is fixed forward, with the
  data owner, the same day.

  Run: `cutover run --profile production.toml --phase T+1d`. Its scenarios are on the
  other pages, tagged @T+1d (see the runbook index, features/README.md).
