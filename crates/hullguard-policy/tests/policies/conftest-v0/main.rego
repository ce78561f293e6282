package main

deny[msg] {
	input.kind == "Service"
	input.spec.type == "NodePort"
	msg := sprintf("Service %s is exposed on a node port", [input.metadata.name])
}
