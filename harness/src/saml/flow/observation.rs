//! What the flows observed: one assertion attempt per user and flow, read and verified, and
//! the whole run the judgements are made from.

use super::{now, Answer, FlowError};
use crate::saml::verify::{self, Verified};
use crate::saml::xml::{self, SamlError};
use crate::saml::Subject;
use serde::Serialize;

/// Which flow produced an observation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Flow {
    IdpInitiated,
    SpInitiated,
    SpResume,
}

/// One assertion attempt for one user.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Observation {
    pub flow: Flow,
    pub legacy_id: i64,
    pub at: i64,
    pub answer: Option<Answer>,
    /// Why no document could be read, when none could.
    pub problem: Option<String>,
    /// The request's ID and RelayState (SP-initiated).
    pub request_id: Option<String>,
    pub sent_relay_state: Option<String>,
    /// The document read naively (None when it could not be read).
    pub response: Option<xml::Response>,
    pub verified: Option<Result<Verified, SamlError>>,
}

impl Observation {
    pub(super) fn new(flow: Flow, legacy_id: i64) -> Self {
        Observation {
            flow,
            legacy_id,
            at: now(),
            answer: None,
            problem: None,
            request_id: None,
            sent_relay_state: None,
            response: None,
            verified: None,
        }
    }

    /// The Assertion to read identity from: the signed one when the signature verified,
    /// otherwise the only one present (identity is judged apart from trust).
    pub fn identity(&self) -> Option<&xml::Assertion> {
        match &self.verified {
            Some(Ok(v)) => Some(&*v.signed),
            _ => self
                .response
                .as_ref()
                .filter(|r| r.assertions.len() == 1)
                .map(|r| &*r.assertions[0]),
        }
    }

    pub fn asserted(&self) -> bool {
        self.response
            .as_ref()
            .is_some_and(|r| r.status.as_deref() == Some(xml::SUCCESS) && !r.assertions.is_empty())
    }

    /// Read the form the answer carried: decode, parse, verify. Only what the checks judge is
    /// kept (the page and the encoded response are dropped: at 23,000 members they would
    /// hold most of a gigabyte).
    pub(super) fn read(&mut self, mut answer: Answer, trusted: &[Vec<u8>]) {
        if let Some(form) = &answer.form {
            match xml::decode_base64(&form.saml_response) {
                // Verification reads the document once and keeps its naive reading; only when
                // it fails is the document read again for what it says.
                Ok(doc) => match verify::verify_response(&doc, trusted) {
                    Ok(mut v) => {
                        self.response = Some(std::mem::take(&mut v.response));
                        self.verified = Some(Ok(v));
                    }
                    Err(e) => match xml::read_response(&doc) {
                        Ok(r) => {
                            self.response = Some(r);
                            self.verified = Some(Err(e));
                        }
                        Err(e) => self.problem = Some(format!("SAMLResponse unreadable: {e}")),
                    },
                },
                Err(e) => self.problem = Some(format!("SAMLResponse unreadable: {e}")),
            }
        } else {
            self.problem = Some(format!("no auto-submit form ({})", answer.describe()));
        }
        answer.body = String::new();
        if let Some(f) = answer.form.as_mut() {
            f.saml_response = String::new();
        }
        self.answer = Some(answer);
    }
}

/// Everything the SAML scenarios judge, collected once per run.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SamlRun {
    pub subjects: Vec<Subject>,
    pub metadata: Result<xml::Metadata, FlowError>,
    pub idp: Vec<Observation>,
    pub sp: Vec<Observation>,
    pub resume: Vec<Observation>,
    /// Launch without a session.
    pub anonymous_launch: Result<Answer, FlowError>,
    /// An AuthnRequest naming another ACS.
    pub foreign_acs: Result<Answer, FlowError>,
    /// People who must be refused, and what the launch answered for each.
    pub refused: Vec<(String, Result<Answer, FlowError>)>,
    pub seconds: f64,
    /// A paced run's sample: how many members should be asserted in all (only the sample
    /// was launched; the data repo proves the rest).
    pub sampled_from: Option<usize>,
    /// Position in `subjects` by laddr ID (each judgement looks members up once per answer).
    #[serde(skip)]
    index: std::collections::HashMap<i64, usize>,
}

impl SamlRun {
    /// Every observation of every flow.
    pub fn all(&self) -> impl Iterator<Item = &Observation> {
        self.idp.iter().chain(&self.sp).chain(&self.resume)
    }

    pub fn new(
        subjects: Vec<Subject>,
        metadata: Result<xml::Metadata, FlowError>,
        idp: Vec<Observation>,
        sp: Vec<Observation>,
        resume: Vec<Observation>,
    ) -> Self {
        let index = subjects
            .iter()
            .enumerate()
            .map(|(i, s)| (s.legacy.id, i))
            .collect();
        SamlRun {
            subjects,
            metadata,
            idp,
            sp,
            resume,
            anonymous_launch: Err(FlowError::NotAsked),
            foreign_acs: Err(FlowError::NotAsked),
            refused: Vec::new(),
            seconds: 0.0,
            sampled_from: None,
            index,
        }
    }

    pub fn subject(&self, legacy_id: i64) -> Option<&Subject> {
        self.index.get(&legacy_id).map(|&i| &self.subjects[i])
    }
}
