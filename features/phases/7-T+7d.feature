@phase @T+7d @data @budget-2m @paced-budget-2m
Feature: T+7d — a week after: reconcile weekly, publish the public snapshot
  What happens: the data owner runs the weekly reconcile against production ("Reconciliation"
  and "After the cutover", judged against the import as it was) and publishes the public
  snapshot: a copy of the data repo anyone may clone, for civic reuse and as the community's
  own backup. It must hold nothing private, and it must be enough to boot the site.

  Who: the data owner (@data).

  What stops (escalates) it: any failure in the T+7d scenarios; a public snapshot holding an
  email, a password hash, a token or a private field. A leaked snapshot cannot be recalled:
  it is checked before it is published, never after.

  Run: `cutover run --profile production.toml --phase T+7d`

  Rule: The public snapshot holds nothing private and boots the stack

    The snapshot ([snapshot] repo in the profile) is searched in every file of every commit
    it holds for laddr's emails and password hashes, for private keys and tokens, and for the
    private store's fields. Then a second instance of the stack is started on it with an
    empty private store, the way the suite starts the stack under test: it must become ready
    and serve a member's page and a project's page.

    @needs-snapshot
    Scenario: The public snapshot holds no email, hash, token or private field
      Given the public snapshot of the data repo
      When every file in its history is searched for private data
      Then none is found

    @needs-snapshot @starts-stack
    Scenario: The public snapshot boots the stack with an empty private store
      Given the public snapshot of the data repo
      When a second instance of the stack is started on it with an empty private store
      Then it becomes ready and serves a member's page and a project's page
