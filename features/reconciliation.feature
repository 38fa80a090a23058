@reconciliation @data @T-3d @T-1d @T+7d @budget-5m @paced-budget-5m
Feature: Reconciliation — the migration lost and corrupted nothing
  At T-3d on staging (the dry run) and at T-1d after the final import, the data owner runs
  these checks and the cutover stops unless every one passes; at T+7d and weekly after that
  the same checks run against production. Counts alone hide swaps and corruption, so every record and every mapped field
  is compared, and each difference is listed with the laddr id and slug a person can act on.
  Emails and password hashes are compared but never shown.

  That each laddr record is in the new stack exactly once is the preflight's check (run in
  the same phases); this page checks what each of those records carries.

  Rule: Every mapped field carries laddr's value

    The importer's mapping: slugs from Username or Handle, lower-cased, with every character
    other than a-z, 0-9 and "-" turned into "-" (project slugs also keep "_"), collisions
    numbered in ID order; fullName from PreferredName, else first and last
    name, else the username; Administrator and Developer become administrator, Staff staff,
    everyone else user; stages lower-cased; project URLs kept only when https (a dropped http
    URL is reported as advisory); "#" stripped from chat channels; tag handles split into
    namespace and slug; buzz URLs carried as https. Times are compared as instants, whatever
    the time zone they are written in.

    Scenario Outline: Every mapped field of <entity> carries laddr's value
      Given the legacy laddr database
      When every <entity> record is compared field by field with its twin
      Then no field differs

      Examples:
        | entity      |
        | people      |
        | projects    |
        | memberships |
        | updates     |
        | buzz items  |
        | tags        |
        | blog posts  |

  Rule: The private store holds every person's email and password hash

    The private store is the new stack's non-public file of emails and password hashes (one
    profile per person). A member whose email is missing cannot reset a password or be
    matched to GitHub; a member whose hash is missing cannot sign in with the old password.
    People the cutover carries as deactivated hold neither, as the contract's credentials
    import skips them; their number is stated.

    Scenario: Every laddr email is in exactly one profile, lower-cased
      Given the legacy laddr database
      When the profiles are compared with laddr's emails
      Then no member's email is missing, duplicated, changed or left in capitals

    Scenario: Every laddr password hash is present verbatim or was upgraded at sign-in
      Given the legacy laddr database
      When the stored credentials are compared with laddr's password hashes
      Then every member's hash is laddr's byte for byte, or was replaced at a recorded sign-in

    # No fault expresses its bad case; the judgement is failed by the unit test harness::accounts::tests::a_credential_laddr_did_not_have_fails.
    @T+90d @T+180d
    Scenario: No credential exists that laddr did not have
      Given the legacy laddr database
      When every stored credential is traced back to laddr
      Then each legacy credential belongs to a laddr member who had that hash

  Rule: The runbook's reconcile counters

    The runbook (T-1d) stops the cutover unless the reconcile counters are zero. The suite
    counts the same classes itself, over the import, so its figures can be set beside the
    stack's own reconcile (see "The stack's own cutover tools").

    Scenario: Runbook counter: persons without a profile
      A person laddr had no email for has nothing to carry into a profile: they are listed
      as advisory with their number (the stack's own reconcile counts them as orphans, so
      its figure is higher by exactly that number). Anyone else without a profile is NO-GO.

      Given the legacy laddr database
      When the persons without a profile are counted
      Then none of them had an email in laddr

    Scenario: Runbook counter: profiles without a person
      Given the legacy laddr database
      When the profiles without a person are counted
      Then the counter is zero

    Scenario: Runbook counter: newsletter inconsistencies
      Given the legacy laddr database
      When the newsletter inconsistencies are counted
      Then the counter is zero

    # No fault expresses its bad case; the judgement is failed by the unit test harness::accounts::tests::a_github_linked_password_holder_is_listed_and_fails_only_under_strict_drain.
    Scenario: Runbook counter: GitHub-linked persons holding a legacy password
      The account-migration rule keeps a legacy password after the person links GitHub, so
      such a person is reported as advisory; the profile's strict-drain policy
      (CUTOVER_STRICT_DRAIN=1) makes any of them NO-GO.

      Given the legacy laddr database
      When the GitHub-linked persons holding a legacy password are counted
      Then each is listed, and the counter must be zero only under the strict-drain policy

  Rule: Nobody's newsletter changes at the cutover

    laddr's Newsletter is opt-out: NULL reads as subscribed.

    # No fault expresses its bad case; the judgement is failed by the unit test harness::accounts::tests::a_member_who_would_stop_or_start_receiving_the_newsletter_fails.
    Scenario: Nobody stops or starts receiving the newsletter
      Given the legacy laddr database
      When laddr's newsletter choices are compared with the profiles
      Then every member receives the newsletter after the cutover exactly when they did before
