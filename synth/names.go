package synth

import "strings"

// country holds the words of one country. Lists are ordered from common to rare; the
// generator favours the front (rng.skewed), so common names repeat as they do in life.
type country struct {
	female, male, family, places, abroad []string
	// schoolWords name compulsory and upper-secondary schools, unitWords preschool units.
	schoolWords, unitWords []string
	// subjects by level: lower grades, upper grades, upper secondary.
	subjectsLow, subjectsHigh, subjectsGY []string
	programmes                            []string // upper-secondary programme codes
	principal, university                 string
	municipalityCode                      string
	// firstGradeAge is the age in the autumn of grade 1 (Sweden 7, Germany and Norway 6);
	// gyOffset is the number of grades before upper-secondary grade 1.
	firstGradeAge, gyOffset int
	mail                    []string // private e-mail domains of guardians
}

func list(s string) []string { return strings.Split(s, "|") }

var countries = map[Country]*country{
	Sweden: {
		female:       list("Anna|Maria|Eva|Karin|Sara|Emma|Kristina|Lena|Elin|Ida|Linnéa|Maja|Hanna|Sofia|Julia|Alice|Ella|Ebba|Wilma|Olivia|Alma|Elsa|Astrid|Åsa|Ingrid|Kerstin|Marie|Johanna|Malin|Frida|Agnes|Saga|Freja|Selma|Vera|Clara|Stina|Ylva|Signe|Märta|Matilda|Moa|Tove|Ulrika|Birgitta|Margareta|Inger|Ulla|Gunilla|Annelie|Jenny|Therese|Louise|Lovisa|Nellie|Tyra|Liv|Siri|Fatima|Nour|Amira|Yasmin|Greta|Ann-Christin|Anne-Marie|Britt-Marie|Zoë|Chloé|Renée|Hélène"),
		male:         list("Erik|Lars|Karl|Anders|Johan|Per|Nils|Mikael|Jan|Hans|Lennart|Peter|Olof|Fredrik|Daniel|Magnus|Oscar|William|Liam|Noah|Hugo|Lucas|Elias|Oliver|Adam|Axel|Alexander|Theo|Vincent|Filip|Ludvig|Viktor|Isak|Albin|Leo|Gustav|Emil|Anton|Jonas|Henrik|Tomas|Stefan|Gunnar|Sven|Bengt|Åke|Göran|Björn|Mattias|Olle|Måns|Sixten|Gösta|Jöns|Örjan|Mohammed|Ali|Omar|Yusuf|Carl-Johan|Jan-Erik|Per-Olof|Hampus|Melvin|Love|André|José"),
		family:       list("Andersson|Johansson|Karlsson|Nilsson|Eriksson|Larsson|Olsson|Persson|Svensson|Gustafsson|Pettersson|Jonsson|Jansson|Hansson|Bengtsson|Jönsson|Lindberg|Jakobsson|Magnusson|Lindström|Olofsson|Lindqvist|Lindgren|Berg|Axelsson|Bergström|Lundberg|Lind|Lundgren|Lundqvist|Mattsson|Berglund|Fredriksson|Sandberg|Henriksson|Forsberg|Sjöberg|Wallin|Ali|Engström|Mohammed|Eklund|Danielsson|Lundin|Håkansson|Björk|Bergman|Gunnarsson|Holm|Wikström|Samuelsson|Isaksson|Fransson|Bergqvist|Nyström|Holmberg|Arvidsson|Löfgren|Söderberg|Nyberg|Blomqvist|Claesson|Nordström|Mårtensson|Lundström|Ahmed|Viklund|Björklund|Eliasson|Pålsson|Hassan|Berggren|Sandström|Nordin|Ström|Åberg|Hermansson|Ekström|Falk|Holmgren|Dahlberg|Hellström|Hosseini|Sjögren|Öberg|Andreasson|Strömberg|Månsson|Åkesson|Nguyen|Åström|Östlund|Ödman|Mäkinen|Yılmaz|Kowalski|af Klercker|von Essen|De la Gardie"),
		places:       list("Stockholm|Göteborg|Malmö|Uppsala|Västerås|Örebro|Linköping|Helsingborg|Jönköping|Norrköping|Lund|Umeå|Gävle|Borås|Södertälje|Eskilstuna|Halmstad|Växjö|Karlstad|Sundsvall|Östersund|Trollhättan|Luleå|Skövde|Kiruna|Mölndal|Täby|Danderyd|Solna|Huddinge|Nacka|Järfälla|Sollentuna|Haninge|Botkyrka|Ängelholm|Öckerö|Åre"),
		abroad:       list("Helsingfors|Åbo|Oslo|Köpenhamn|Bagdad|Damaskus|Aleppo|Mogadishu|Teheran|Kabul|Warszawa|Berlin|Asmara|Addis Abeba|Beirut|Tammerfors"),
		schoolWords:  list("Björkhaga|Engelbrekt|Katarina|Sofia|Hägersten|Årsta|Enskede|Östermalm|Kungsholmen|Vasa|Hjulsta|Rinkeby|Tensta|Bromma|Äppelvik|Ålsten|Nälsta|Skärholmen|Vällingby|Farsta|Högdalen|Rågsved|Sköndal|Skarpnäck|Älvsjö|Örby|Liljeholmen|Hammarby|Gubbängen|Hässelby|Kista|Husby|Akalla|Bagarmossen|Midsommarkransen|Västertorp|Fruängen|Sätra|Mälarhöjden|Nockeby|Ängby|Blackeberg|Råcksta|Spånga|Solhem|Tallkrogen|Svedmyra|Stureby|Globen|Hökarängen"),
		unitWords:    list("Ekorren|Blåklockan|Rönnen|Lönnen|Äppelträdet|Myran|Nyckelpigan|Solrosen|Snäckan|Måsen|Björken|Humlan|Fjärilen|Igelkotten|Ugglan|Räven|Tallen|Smultronet|Vitsippan|Linden"),
		subjectsLow:  list("Svenska|Matematik|Engelska|Idrott och hälsa|Bild|Musik|Slöjd|NO|SO|Svenska som andraspråk"),
		subjectsHigh: list("Svenska|Matematik|Engelska|Idrott och hälsa|Bild|Musik|Slöjd|Biologi|Fysik|Kemi|Geografi|Historia|Religionskunskap|Samhällskunskap|Teknik|Hem- och konsumentkunskap|Spanska|Tyska|Franska|Svenska som andraspråk"),
		subjectsGY:   list("Svenska|Matematik|Engelska|Idrott och hälsa|Historia|Samhällskunskap|Religionskunskap|Naturkunskap|Biologi|Fysik|Kemi|Programmering|Företagsekonomi|Psykologi|Filosofi|Moderna språk"),
		programmes:   list("NA|SA|TE|EK|ES|BA|EE|VO|HA|IMA"),
		principal:    "Storstads kommun", university: "Nordstads universitet", municipalityCode: "0180",
		firstGradeAge: 7, gyOffset: 9,
		mail: list("post.example.se|mejl.example.com|hem.example.net"),
	},
	Germany: {
		female:       list("Anna|Maria|Emma|Mia|Hannah|Sophia|Emilia|Lina|Marie|Lea|Lena|Clara|Mila|Ella|Leonie|Amelie|Luisa|Johanna|Charlotte|Frieda|Ursula|Monika|Petra|Elisabeth|Sabine|Renate|Helga|Karin|Brigitte|Ingrid|Erika|Andrea|Gisela|Claudia|Susanne|Gabriele|Christa|Christine|Käthe|Jördis|Dörte|Bärbel|Hülya|Ayşe|Zoë|Anne-Kathrin|Marie-Luise|Lieselotte|Gülşen"),
		male:         list("Peter|Michael|Thomas|Andreas|Wolfgang|Klaus|Jürgen|Günter|Stefan|Jörg|Uwe|Dieter|Horst|Frank|Bernd|Ralf|Matthias|Noah|Ben|Paul|Leon|Finn|Elias|Felix|Jonas|Luis|Lukas|Maximilian|Henri|Emil|Theo|Moritz|Jannik|Sören|Björn|Jörn|Till|Malte|Götz|Lutz|Mehmet|Mustafa|Ömer|Çağlar|René|Hans-Jürgen|Karl-Heinz|Hans-Peter|Jean-Luc"),
		family:       list("Müller|Schmidt|Schneider|Fischer|Weber|Meyer|Wagner|Becker|Schulz|Hoffmann|Schäfer|Koch|Bauer|Richter|Klein|Wolf|Schröder|Neumann|Schwarz|Zimmermann|Braun|Krüger|Hofmann|Hartmann|Lange|Schmitt|Werner|Schmitz|Krause|Meier|Lehmann|Schmid|Schulze|Maier|Köhler|Herrmann|König|Walter|Mayer|Huber|Kaiser|Fuchs|Peters|Lang|Scholz|Möller|Weiß|Jung|Hahn|Schubert|Vogel|Friedrich|Keller|Günther|Frank|Berger|Winkler|Roth|Beck|Lorenz|Baumann|Franke|Albrecht|Schuster|Simon|Ludwig|Böhm|Winter|Kraus|Martin|Schumacher|Krämer|Vogt|Stein|Jäger|Otto|Sommer|Groß|Seidel|Heinrich|Brandt|Haas|Yılmaz|Kaya|Öztürk|Şahin|Nowak|Kowalski|Müller-Lüdenscheidt|Schulze-Böing|Meyer-Göllner|von Bülow|zu Eltz|Weißenbäcker|Strauß"),
		places:       list("Berlin|Hamburg|München|Köln|Frankfurt am Main|Stuttgart|Düsseldorf|Leipzig|Dortmund|Essen|Bremen|Dresden|Hannover|Nürnberg|Duisburg|Bochum|Wuppertal|Bielefeld|Bonn|Münster|Mannheim|Karlsruhe|Augsburg|Wiesbaden|Mönchengladbach|Gelsenkirchen|Aachen|Braunschweig|Kiel|Chemnitz|Halle (Saale)|Magdeburg|Freiburg im Breisgau|Krefeld|Mainz|Lübeck|Erfurt|Rostock|Kassel|Lüdenscheid|Görlitz|Würzburg|Osnabrück|Saarbrücken|Gießen|Göttingen|Fürth|Lüneburg|Böblingen"),
		abroad:       list("İstanbul|Ankara|Warszawa|Kraków|Damaskus|Kyjiw|Bukarest|Wien|Zürich|Sarajevo|Thessaloniki"),
		schoolWords:  list("Goethe|Schiller|Humboldt|Käthe-Kollwitz|Geschwister-Scholl|Albert-Schweitzer|Lessing|Heinrich-Heine|Friedrich-Ebert|Anne-Frank|Sophie-Scholl|Gauß|Dürer|Kepler|Leibniz|Brüder-Grimm|Annette-von-Droste-Hülshoff|Theodor-Heuss|Max-Planck|Einstein|Bertolt-Brecht|Fontane|Hölderlin|Mörike|Röntgen|Ricarda-Huch|Lise-Meitner|Rückert|Eichendorff|Körner"),
		unitWords:    list("Sonnenschein|Regenbogen|Pusteblume|Marienkäfer|Löwenzahn|Wichtelhaus|Spatzennest|Zwergenland|Sternschnuppe|Kleeblatt|Räuberhöhle|Schneckenhaus|Bärenhöhle|Mäuseburg|Glühwürmchen"),
		subjectsLow:  list("Deutsch|Mathematik|Sachunterricht|Englisch|Sport|Kunst|Musik|Religion|Ethik"),
		subjectsHigh: list("Deutsch|Mathematik|Englisch|Sport|Kunst|Musik|Biologie|Physik|Chemie|Erdkunde|Geschichte|Religion|Ethik|Französisch|Latein|Informatik|Politik|Wirtschaft"),
		subjectsGY:   list("Deutsch|Mathematik|Englisch|Sport|Biologie|Physik|Chemie|Geschichte|Erdkunde|Französisch|Latein|Informatik|Philosophie|Pädagogik"),
		programmes:   list(""),
		principal:    "Stadt Musterstadt", university: "Universität Musterstadt", municipalityCode: "1000",
		firstGradeAge: 6, gyOffset: 0,
		mail: list("post.example.de|mail.example.com|netz.example.net"),
	},
	Norway: {
		female:       list("Anne|Inger|Kari|Marit|Ingrid|Liv|Eva|Berit|Astrid|Bjørg|Hilde|Anna|Solveig|Marianne|Randi|Ida|Nora|Emma|Sofie|Maja|Sara|Ella|Olivia|Leah|Frida|Tiril|Åse|Sigrid|Ragnhild|Tone|Gro|Synnøve|Marte|Ingvild|Kjersti|Eldbjørg|Torild|Hege|Kristin|Guro|Sølvi|Dagny|Åshild|Signe|Vilde|Thea|Mathilde|Aurora|Ingeborg|Marie-Louise"),
		male:         list("Jan|Per|Bjørn|Ole|Lars|Kjell|Knut|Arne|Svein|Thomas|Hans|Geir|Tor|Morten|Terje|Odd|Erik|Martin|Andreas|Jakob|Emil|Noah|Oskar|Lucas|Filip|Aksel|Henrik|Sander|Håkon|Øystein|Ørjan|Ståle|Øyvind|Pål|Nils|Trond|Steinar|Sindre|Magnus|Jørgen|Tobias|Even|Sverre|Kåre|Ove|Leif|Bjørnar|Asbjørn|Ole-Martin|Jon-Erik"),
		family:       list("Hansen|Johansen|Olsen|Larsen|Andersen|Pedersen|Nilsen|Kristiansen|Jensen|Karlsen|Johnsen|Pettersen|Eriksen|Berg|Haugen|Hagen|Johannessen|Andreassen|Jacobsen|Dahl|Jørgensen|Henriksen|Lund|Halvorsen|Sørensen|Jakobsen|Moen|Gundersen|Iversen|Strand|Solberg|Svendsen|Eide|Knutsen|Martinsen|Paulsen|Bakken|Kristoffersen|Mathisen|Lie|Amundsen|Nguyen|Rasmussen|Ali|Lunde|Solheim|Berge|Moe|Nygård|Bakke|Kristensen|Fredriksen|Holm|Lien|Hauge|Christensen|Nielsen|Knudsen|Evensen|Sæther|Aas|Myhre|Ahmed|Haugland|Thomassen|Sivertsen|Simonsen|Danielsen|Berntsen|Sandvik|Rønning|Arnesen|Næss|Ødegård|Vik|Haug|Ellingsen|Thorsen|Birkeland|Isaksen|Gulbrandsen|Ruud|Aasen|Strøm|Myklebust|Tangen|Ødegaard|Hovland|Aune|Engen|Mikkelsen|Fjeld|Økland|Brekke|Kvåle|Bjørnstad|Løken|Håland|Ærø"),
		places:       list("Oslo|Bergen|Trondheim|Stavanger|Drammen|Fredrikstad|Kristiansand|Sandnes|Tromsø|Sarpsborg|Skien|Ålesund|Sandefjord|Haugesund|Tønsberg|Moss|Porsgrunn|Bodø|Arendal|Hamar|Larvik|Halden|Lillehammer|Molde|Harstad|Gjøvik|Kongsberg|Steinkjer|Bærum|Førde|Hønefoss|Mo i Rana|Hammerfest|Vadsø|Røros|Ørsta|Åndalsnes"),
		abroad:       list("Ærøskøbing|Stockholm|Göteborg|København|Mogadishu|Kabul|Gdańsk|Vilnius|Asmara|Damaskus"),
		schoolWords:  list("Tåsen|Ullevål|Sagene|Grünerløkka|Bjølsen|Frydenberg|Kampen|Møllergata|Ila|Lilleborg|Tøyen|Økern|Årvoll|Grorud|Høybråten|Bøler|Østensjø|Sæter|Ljan|Nordstrand|Bekkelaget|Kjelsås|Grefsen|Sinsen|Hasle|Løren|Bogstad|Røa|Huseby|Vinderen|Majorstuen|Ekeberg|Lambertseter|Manglerud|Rustad|Bryn|Furuset|Haugerud|Trosterud|Stovner|Romsås|Vestli|Bjerke|Veitvet|Tokerud"),
		unitWords:    list("Solstrålen|Trollskogen|Maurtua|Ekornet|Blåbærtua|Fjellet|Bjørnehiet|Reveboet|Tyttebæret|Måken|Sjøstjerna|Hvalen|Ørnen"),
		subjectsLow:  list("Norsk|Matematikk|Engelsk|Kroppsøving|Kunst og håndverk|Musikk|Naturfag|Samfunnsfag|KRLE"),
		subjectsHigh: list("Norsk|Matematikk|Engelsk|Kroppsøving|Kunst og håndverk|Musikk|Naturfag|Samfunnsfag|KRLE|Mat og helse|Tysk|Spansk|Fransk|Valgfag|Utdanningsvalg"),
		subjectsGY:   list("Norsk|Matematikk|Engelsk|Kroppsøving|Naturfag|Samfunnskunnskap|Historie|Geografi|Religion og etikk|Fysikk|Kjemi|Biologi|IT|Økonomistyring"),
		programmes:   list("ST|YF|MD|ID|EL|HS|BA"),
		principal:    "Fjordby kommune", university: "Universitetet i Fjordby", municipalityCode: "0301",
		firstGradeAge: 6, gyOffset: 10,
		mail: list("post.example.no|epost.example.com|nett.example.net"),
	},
}

func countryData(c Country) *country {
	if d, ok := countries[c]; ok {
		return d
	}
	return countries[Sweden]
}
