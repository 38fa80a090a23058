# The two commands a newcomer needs. Both install what is missing first (scripts/setup.sh).
#   make rehearse   the main job: a full cutover rehearsal, GO or NO-GO
#   make test       the project's tests (unit, fault matrix, providers, the rehearsal)
.PHONY: rehearse test bench

rehearse:
	@scripts/setup.sh rehearse
	cargo run --quiet -- rehearse $(ARGS)

test:
	@scripts/setup.sh test
	cargo test --workspace --no-fail-fast

bench:
	@scripts/setup.sh rehearse
	scripts/bench.sh $(PEOPLE)
