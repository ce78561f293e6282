package acme.broken

deny contains msg if {
	msg := sprintf("%s", [input.x]
}
