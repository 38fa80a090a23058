@preflight @cutover-lead @data @budget-5m @paced-budget-5m
Feature: Preflight — can the cutover start?
  Before any import, DNS change or announcement, the person running the cutover checks that
  both systems are there, that this suite cannot harm the legacy database, and that every
  record laddr holds has arrived in the new stack exactly once. Any failure here stops the
  cutover: nothing later in the runbook is meaningful without it.

  Rule: The legacy database is only ever read

    The suite must not be able to change laddr even by mistake. So the server itself is made
    to refuse: the suite's session is a read-only transaction, or its account may only
    SELECT. Every table is also checksummed before the first scenario and after the last;
    a changed checksum makes the whole run NO-GO, naming the table.

    # No fault expresses its bad case; the judgement is failed by the unit test harness::legacy::tests::a_write_the_server_accepts_or_refuses_for_another_reason_fails.
    @T-7d @T-3d @T-1d @T-0
    Scenario: The suite cannot write to the legacy database
      Given the legacy laddr database
      When the suite tries to delete a row through its own connection
      Then the server refuses the write
      And a checksum of every legacy table is on record for the end of the run

  Rule: The new stack is up

    Healthy means the server answers; ready means its public store (the data repo), its
    private store and its search index are all loaded. A stack that is healthy but not ready
    is NO-GO.

    @T-7d @T-3d @T-1d @T-0 @T+1h @T+1d
    Scenario: The new stack is up and ready
      When the new stack is asked for its health
      Then it answers that it is healthy
      When the new stack is asked whether it is ready
      Then it answers that it is ready

  Rule: Every laddr record the cutover carries is in the new stack once

    A record is matched by its laddr ID, which the new stack keeps as `legacyId`;
    memberships by their (project, person) pair and tag assignments by (tag, target). So a
    count that agrees while one record is missing and another duplicated still fails. Each
    scenario lists the missing and the duplicated by laddr ID and handle.

    What the cutover carries, and what it leaves behind on purpose:
    * people: those with a Username who are not Disabled. Contacts without a Username had
      no page and no sign-in; Disabled accounts answered 404 on laddr and their fate is a
      staff decision.
    * projects, project updates and buzz items: all of them.
    * memberships: those of people the cutover carries.
    * tags: handles starting `topic.`, `tech.` or `event.` (the new stack requires one of
      the three namespaces).
    * tag assignments: carried tags on projects and on carried people (the new stack has
      no blog post target for tags).
    * blog posts: Published, Public, published now or earlier; not drafts, hidden or private
      posts, posts scheduled for later, or pages.
    * spam accounts purged before the cutover: gone from laddr itself (their IDs are gaps,
      their rows sit in `_purged_people`) and not expected anywhere.

    At T+7d and after, laddr is compared with the import the cutover was judged on (see
    "After the cutover"), not with the data members have changed since.

    @T-3d @T-1d @T-0 @T+7d
    Scenario Outline: Every laddr record the cutover carries is in the new stack once: <entity>
      Given the legacy laddr database
      When the <entity> the cutover carries are matched between laddr and the new stack
      Then none is missing and none is there twice

      Examples:
        | entity          |
        | people          |
        | projects        |
        | memberships     |
        | updates         |
        | buzz items      |
        | tags            |
        | tag assignments |
        | blog posts      |
