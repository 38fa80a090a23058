@claim @T-0 @budget-5m @paced-budget-15m
Feature: Sign-in and account claim — every kind of legacy member gets back in, nobody else does
  On cutover day laddr members come back three ways: with their old password (laddr stored
  unsalted SHA-1 for old accounts and bcrypt "$2y$" for newer ones), with GitHub when a
  verified GitHub email matches their laddr email, or through staff review when that email is
  dead. Each way is rehearsed end to end, and so is each way it could go wrong: locking a
  member out, handing an account to the wrong person, or telling a stranger which accounts
  exist.

  How: the suite signs in as real laddr members whose passwords it knows (the rehearsal's
  fixture, or the acceptance run's test accounts). GitHub and Resend are played by mocks that
  the new stack is started against; the GitHub mock checks PKCE, state and the redirect URI
  like GitHub does. Every scenario acts as different members, chosen from laddr by the kind
  of account each case needs. Evidence names members by laddr id and slug only.

  Run at T-0, after the DNS flip, before announcing the new site.

  Background:
    Given the new stack signs in through the GitHub and Resend mocks

  Rule: A legacy member signs in with the old password

    @writes
    Scenario: A SHA-1 member signs in by username or email, in any letter case
      When members with SHA-1 hashes sign in by username, swapped-case username, and email in either case
      Then each of them is in, now holds an argon2id hash with lastUsedAt set, and signs in again with it

    @writes
    Scenario: A bcrypt $2y$ member signs in by username or email, in any letter case
      When members with bcrypt $2y$ hashes sign in by username, swapped-case username, and email in either case
      Then each of them is in, now holds an argon2id hash with lastUsedAt set, and signs in again with it

    Scenario: Every failed sign-in gets the same answer
      A different answer for an unknown user tells a stranger which accounts exist.
      Then a wrong password, an unknown user and a hash laddr never wrote all get one identical 401 invalid_credentials

    @serial
    Scenario: Failed sign-ins cannot be told apart by their timing
      Unknown users, and wrong passwords for SHA-1 and bcrypt members, are tried in turn many
      times; the response times are compared with a rank test (Mann–Whitney U). A leak is a
      difference both significant (p < 0.001) and large (medians more than 1.5× apart).
      Then unknown users are answered as slowly as wrong passwords

    Scenario: Disabled and Contact accounts cannot sign in
      Then a Disabled and a Contact member are refused even with their right passwords

  Rule: GitHub sign-in reaches the legacy person only on verified evidence

    @writes
    Scenario: A verified GitHub email matching a legacy person reaches that person
      The profile says whether the site links at once or through the claim screen
      ([claim] email_match); the evidence says which happened.
      Then a GitHub account with that verified email ends signed in as the legacy person, and stays linked

    @writes
    Scenario: A GitHub login matching a legacy username needs the old password
      Then the person is only a candidate, confirming needs an email match, and the old password links them

    @writes
    Scenario: An unverified GitHub email never matches
      Then a GitHub account whose matching email is unverified is not offered the legacy person

    Scenario: Several matching people are all listed, and only they
      Then a GitHub account matching three people by two emails and its login is offered exactly those three

  Rule: A member with no way in by themselves goes through staff, and claims are final

    @writes
    Scenario: A member whose email is dead is linked after staff review and keeps everything
      Then their review request reaches the staff queue, and approval links them keeping slug, memberships, updates, buzz and Slack NameID

    @writes
    Scenario: Declining the claim makes a fresh person
      Then declining every candidate signs in a new person and leaves the legacy one unclaimed

    @writes
    Scenario: A person already linked cannot be claimed again
      Then a second GitHub account is not offered the linked person, and confirming or claiming it by password is refused

  Rule: Password reset never tells who exists

    @writes
    Scenario: A password reset is always accepted, mailed only to a known address, and works once
      Then reset requests for a member, a member without email and an unknown address are all 202, only the member is mailed, and the token works once

  Rule: Bad input is refused and loses nothing

    @writes
    Scenario: Malformed, oversized and forged requests are refused without harm
      Then malformed JSON, oversized fields and forged or expired claim cookies get a 4xx, never a session, and the stack stays healthy
