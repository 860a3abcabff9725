//go:build race

package sigverify

// raceEnabled: the race detector slows pure-Go field arithmetic about
// tenfold, so the long tests check fewer signatures under it.
const raceEnabled = true
