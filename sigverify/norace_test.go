//go:build !race

package sigverify

const raceEnabled = false
