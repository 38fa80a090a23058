# The two commands a newcomer needs. Both install what is missing first (scripts/setup.sh).
#   make rehearse   the main job: a full cutover rehearsal, GO or NO-GO
#   make test       the project's tests (unit, fault matrix, providers, the rehearsal)
.PHONY: setup rehearse test bench

setup:
	@scripts/setup.sh

rehearse: setup
	cargo run --quiet -- rehearse $(ARGS)

test: setup
	cargo test --workspace

bench: setup
	scripts/bench.sh $(PEOPLE)
