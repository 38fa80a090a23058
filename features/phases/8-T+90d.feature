@phase @T+90d @data @staff
Feature: T+90d — ninety days after: remind the members who have not come back
  What happens: the data owner runs the stack's reminder mailout, first as a dry run (its list
  is checked against the suite's own count of members not yet back), then for real through
  Resend. Staff answer the replies and the claims that follow. The weekly checks of "After the
  cutover" still run.

  Who: the data owner (@data) runs the mailout; staff (@staff) handle replies and claims.

  What stops (holds) the mailout: a dry run that lists someone already back, or misses
  someone who is not; a dry run that sends anything ("The stack's own cutover tools").

  Run: `cutover run --profile production.toml --phase T+90d` (its scenarios are on the
  tools and after-cutover pages, tagged @T+90d).
