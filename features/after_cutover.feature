@after-cutover @data @T+1d @T+7d @T+90d @T+180d @budget-1m @paced-budget-1m
Feature: After the cutover — what must hold for ever, however members use the new site
  From the day after the cutover (T+1d) on, the new site is in use: members link GitHub, change their email, edit their
  profiles, and new people join. None of that is a failure. What the cutover promised must
  still hold, every week: the records laddr had are all still there under their laddr IDs,
  no Slack account loses the NameID it is bound to, and no member loses their profile. The
  reconciliation keeps comparing laddr with the import as it was (the import commit, and a
  copy of the private store as imported), never with the live data members have changed.

  Which checks run when: before the cutover (T-3d to T-0) laddr is compared with the new
  stack as it is, which is the import. After it (T+1d, T+7d, T+90d, T+180d) laddr is compared with
  the import commit — named in the profile ([run] import_commit) or found as the latest
  commit whose message starts "import: snapshot" — and these scenarios compare that import
  with the data as it is now.

  Scenario: The import the cutover was judged on is still in the data repo's history
    When the import commit is looked up on the data repo's branch
    Then it is there, and the branch's history still contains it

  Scenario: No legacy record is lost, and none has its legacyId changed or duplicated
    When the records of the import are compared with the data as it is now
    Then every record from laddr is still there with its legacyId, and no legacyId is held twice

  Scenario: No Slack NameID changes after the cutover
    When each person's Slack NameID at the import is compared with theirs now
    Then every NameID is unchanged

  # No fault expresses its bad case; the judgement is failed by the unit test harness::after_cutover::tests::a_member_whose_profile_is_gone_fails.
  Scenario: No legacy member loses their profile
    When the profiles of the import are compared with the profiles now
    Then everyone who had a profile at the import still has one
