@saml @platform @cutover-lead @T-3d @T-0 @T+1h @budget-10m @paced-budget-10m
Feature: Slack SAML continuity — every member's Slack account still knows them
  Slack accounts are bound to the identity laddr asserted: NameID = the laddr Username,
  exactly as stored (capitals kept), with User.Email = the laddr email. Slack signs a person
  into their existing account when the NameID or the email matches, and silently creates a
  duplicate account when neither does. This is the highest-stakes single check of the
  cutover, so it is made for every member the new IdP will assert, not for one test account.

  How: for every laddr user who could reach Slack (a User of level User or higher with a
  Username) the suite signs in as them (a session minted with the rehearsal's key), opens
  the Slack launch link, and reads the SAMLResponse the page would post to Slack. The
  signature is checked with xmlsec against the certificate Slack holds, and identity is read
  only from what that signature covers. A sample of members also goes through the
  Slack-initiated flow, signed in and signed out.

  Run at T-3d (dry run on staging), at T-0 (after the DNS flip) and at T+1h (watch).

  Any failure here is NO-GO: a member whose NameID or email Slack does not recognise gets a
  second, empty Slack account at their next sign-in.

  Background:
    Given every eligible laddr member has been taken through the new IdP

  Rule: Slack trusts the new IdP as it trusted laddr

    @T-7d
    Scenario: The IdP metadata names the identity and certificate Slack trusts
      When Slack's view of the new IdP is read from its metadata
      Then it names laddr's issuer, the certificate Slack holds, persistent NameIDs and an HTTP-POST endpoint

    Scenario: Every assertion is signed with the certificate Slack trusts
      When each assertion's signature is checked with xmlsec
      Then every assertion's signature verifies against the certificate Slack holds

    Scenario: The NameID read is the one the signature covers
      A Response can carry a signed Assertion and, beside it, an unsigned one a careless
      reader takes first (signature wrapping). Only the signed one may be read.
      When each Response is reduced to what its signature covers
      Then no assertion carries an unsigned Assertion beside the signed one

    Scenario: Every assertion is addressed to Slack's ACS and audience
      When each assertion's Destination, Recipient and Audience are read
      Then every Destination and Recipient is Slack's ACS and every Audience is Slack

    Scenario: Every assertion is valid now, for at most ten minutes
      When each assertion's validity window is read
      Then every validity window contains now and lasts at most ten minutes

  Rule: Every member laddr let into Slack is asserted as laddr asserted them

    Tonimacattack stays Tonimacattack: not tonimacattack, not a slug.

    Scenario: laddr's assertion is known for every user who could reach Slack
      When laddr's users who could reach Slack are matched to their twins in the new stack
      Then every laddr user who could reach Slack has a twin in the new stack to assert

    Scenario: Every eligible member's launch answers with a form that posts to Slack
      When each eligible member's Slack launch is looked at
      Then every eligible member's launch answered with a signed-in form for Slack

    Scenario: Every NameID is the laddr Username, byte for byte
      When each assertion's NameID is read from what its signature covers
      Then every NameID equals the member's laddr Username, byte for byte

    Scenario: Every email attribute is still laddr's email
      Slack's second way to recognise a member. Name and username attribute differences are
      listed as advisory.
      When each assertion's User.Email attribute is read
      Then every User.Email attribute equals the member's laddr email, ignoring case

    # No fault expresses its bad case; the judgement is failed by the unit test harness::saml::judge::tests::a_shared_name_id_fails_case_insensitively.
    Scenario: No two members share a NameID after the cutover
      When every member's NameID is compared with every other's
      Then no NameID is asserted for two members, compared ignoring case

  Rule: Slack-initiated sign-in works for signed-in and signed-out members

    # No fault expresses its bad case; the judgement is failed by the unit test harness::saml::judge::tests::sp_answers_must_echo_the_request_and_relay_state.
    Scenario: Slack-initiated sign-in echoes the request and its RelayState
      When a sample of signed-in members starts from Slack's side
      Then each answer is a Success for that request, with InResponseTo and RelayState echoed

    # No fault expresses its bad case; the judgement is failed by the unit test harness::saml::judge::tests::a_signed_out_member_must_resume_to_the_original_request.
    Scenario: A signed-out member signs in and resumes to the same request
      When a sample of signed-out members starts from Slack's side
      Then each is sent to sign in and, once signed in, gets the answer to the original request

    # No fault expresses its bad case; the judgement is failed by the unit test harness::saml::judge::tests::permission_answers_are_judged_strictly.
    Scenario: An AuthnRequest for another ACS gets no assertion
      When an AuthnRequest names another ACS than Slack's
      Then the request is refused without an assertion

  Rule: Only members who may use Slack get an assertion

    Scenario: A signed-out visitor who opens the launch link is sent to sign in
      When a signed-out visitor opens the Slack launch link
      Then the visitor is redirected to /login

    Scenario: Deactivated people and people laddr kept out of Slack are refused
      When deactivated people and laddr's Contact and Disabled users open the Slack launch link
      Then each is answered 403 saml_not_permitted

  Rule: What laddr really asserted is what the new IdP asserts

    Captured SAMLResponses (a browser's SAML tracer before the cutover; in a rehearsal,
    made by a laddr-faithful signer) are verified with laddr's certificate, then compared
    field by field with the new IdP's assertion for the same member.

    Scenario: Captured laddr assertions match the new IdP's, field by field
      When each captured laddr assertion is verified with laddr's certificate and set beside the new IdP's
      Then each capture's NameID, qualifiers, Issuer and email equal the new IdP's for that member

  Rule: The verdict

    continuous: the NameID is unchanged. matched by email only: Slack falls back to the email
    (degraded; fails unless waived). broken: a duplicate Slack account. not asserted: no
    assertion could be had.

    Scenario: Continuity summary: every eligible member is continuous
      When every eligible member's Slack account is classed by what the new IdP asserted
      Then every eligible member is continuous, and the summary counts each class
