// Package examsynctest plays the people around examsync in tests and examples: the examiners
// who answer in Inspera and WISEflow, the committees whose results are announced, and
// WISEflow's synchronisation of appellants from FS into a remarking flow. It works on the fakes
// (fs/fstest, inspera/insperatest, wiseflow/wiseflowtest) directly, so none of it uses the
// requests or the rate limits of the flow under test.
//
//	term := &examsynctest.Term{Pop: pop, FS: fsFake, Inspera: insperaFake, WISEflow: wiseflowFake}
//	term.Announce() // the day's results graded in the exam systems
//	term.Answer()   // explanations given and published, appeals graded
package examsynctest
