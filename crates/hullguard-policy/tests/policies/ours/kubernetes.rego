# METADATA
# title: Privileged container
# description: A privileged container holds every capability of its node.
# custom:
#   id: ACME-K8S-001
#   severity: CRITICAL
#   recommended_action: Set securityContext.privileged to false.
#   input:
#     selector:
#     - type: kubernetes
package acme.kubernetes.privileged

deny contains res if {
	some i, c in input.spec.template.spec.containers
	c.securityContext.privileged == true
	res := {
		"msg": sprintf("container %s is privileged", [c.name]),
		"field": sprintf("spec.template.spec.containers[%d].securityContext.privileged", [i]),
	}
}
