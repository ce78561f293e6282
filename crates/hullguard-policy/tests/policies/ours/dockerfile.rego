package acme.dockerfile

import rego.v1

__rego_metadata__ := {
	"id": "ACME-DF-001",
	"title": "Base image tagged latest",
	"severity": "MEDIUM",
	"recommended_actions": "Pin the base image to a version.",
}

__rego_input__ := {"selector": [{"type": "dockerfile"}]}

deny contains res if {
	some stage in input.stages
	endswith(stage.base, ":latest")
	res := result.new(sprintf("stage %d builds on %s", [stage.index, stage.base]), stage.from)
}

# METADATA
# title: curl in a RUN
# custom:
#   id: ACME-DF-002
warn_curl contains res if {
	some stage in input.stages
	some ins in stage.instructions
	some cmd in ins.commands
	cmd.program == "curl"
	res := result.new("curl downloads at build time", cmd)
}
