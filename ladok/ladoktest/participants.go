package ladoktest

import "github.com/edusync/edusync/ladok"

// SetDeltagare replaces the participants of an offering with d, as Ladok's participant search
// answers after students joined, left or changed state (AddDeltagare only adds). With no d the
// offering has no participants.
func (s *Server) SetDeltagare(utbildningstillfalleUID string, d ...ladok.Deltagare) {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := make([]ladok.Deltagare, 0, len(d))
	for _, x := range d {
		x.UtbildningstillfalleUID = utbildningstillfalleUID
		list = append(list, x)
	}
	if len(list) == 0 {
		delete(s.data.participants, utbildningstillfalleUID)
		return
	}
	s.data.participants[utbildningstillfalleUID] = list
}

// SetUtbildningstillfalleInstallt marks a course or programme offering as cancelled (or not),
// as Ladok's offering resource shows once an UtbildningstillfalleInstallt event was published.
// It reports whether the offering exists.
func (s *Server) SetUtbildningstillfalleInstallt(uid string, installt bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o, ok := s.data.offerings[uid]; ok {
		o.Installt = installt
		s.data.offerings[uid] = o
		return true
	}
	if o, ok := s.data.packaging[uid]; ok {
		o.Installt = installt
		s.data.packaging[uid] = o
		return true
	}
	return false
}
