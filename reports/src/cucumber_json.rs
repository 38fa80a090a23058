//! `cucumber.json`: the Cucumber JSON format (features → elements → steps) that report
//! tools read. Durations are nanoseconds, as the format wants.

use crate::RunReport;
use harness::evidence::StepStatus;
use serde_json::{json, Value};

fn slug(s: &str) -> String {
    s.to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

pub fn render(r: &RunReport) -> String {
    let mut features: Vec<Value> = Vec::new();
    for f in &r.features {
        let elements: Vec<Value> = r
            .scenarios
            .iter()
            .filter(|s| s.feature == f.name)
            .map(|s| {
                let steps: Vec<Value> = s
                    .steps
                    .iter()
                    .map(|st| {
                        let status = match st.status {
                            StepStatus::Passed => "passed",
                            StepStatus::Failed => "failed",
                            StepStatus::Skipped => "undefined",
                        };
                        let mut result = json!({"status": status, "duration": st.duration_ms * 1_000_000});
                        if let Some(e) = &st.error {
                            result["error_message"] = json!(e);
                        }
                        json!({"keyword": format!("{} ", st.keyword), "name": st.text, "result": result})
                    })
                    .collect();
                json!({
                    "id": format!("{};{}", slug(&f.name), slug(&s.scenario)),
                    "keyword": "Scenario",
                    "type": "scenario",
                    "name": s.scenario,
                    "tags": s.tags.iter().map(|t| json!({"name": t})).collect::<Vec<_>>(),
                    "steps": steps,
                })
            })
            .collect();
        features.push(json!({
            "uri": format!("features/{}", f.path),
            "id": slug(&f.name),
            "keyword": "Feature",
            "name": f.name,
            "tags": f.tags.iter().map(|t| json!({"name": t})).collect::<Vec<_>>(),
            "elements": elements,
        }));
    }
    let mut text = serde_json::to_string_pretty(&features).expect("serialises");
    text.push('\n');
    text
}
