package acme.limits.loop

deny contains "pairs" if {
	count([1 | some a in numbers.range(1, 100000); some b in numbers.range(1, 100000)]) > 0
}
