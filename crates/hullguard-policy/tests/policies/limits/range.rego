package acme.limits.range

deny contains n if {
	some n in numbers.range(1, 1000000000000)
	n < 0
}
