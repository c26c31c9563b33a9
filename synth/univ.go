package synth

func (g *gen) university() error { return nil }
