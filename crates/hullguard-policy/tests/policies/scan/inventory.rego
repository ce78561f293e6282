# METADATA
# custom:
#   input:
#     selector:
#     - type: inventory
package acme.inventory

# METADATA
# title: curl installed
# description: The image carries a download tool.
# custom:
#   id: ACME-INV-001
#   severity: MEDIUM
deny_curl contains msg if {
	some p in input.packages
	p.ecosystem == "deb"
	p.name == "curl"
	msg := sprintf("curl %s is installed in %s", [p.version, input.target])
}

# METADATA
# title: Secrets found
# custom:
#   id: ACME-INV-002
#   severity: CRITICAL
deny_secrets contains msg if {
	secrets := [f | some f in input.findings; f.kind == "secret"]
	count(secrets) > 0
	msg := sprintf("%d secret(s) among %d packages", [count(secrets), count(input.packages)])
}

# METADATA
# title: lodash before 4.17.21
# custom:
#   id: ACME-INV-003
#   severity: HIGH
deny_lodash contains result if {
	some p in input.packages
	p.ecosystem == "npm"
	p.name == "lodash"
	semver.compare(p.version, "4.17.21") < 0
	result := {"msg": sprintf("lodash %s at %s", [p.version, p.path]), "path": p.path}
}
