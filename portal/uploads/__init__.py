"""The generic upload engine, knowing no domain: sniffing a file (:mod:`.files`), reading its rows
(:mod:`.rows`), header rows and documented columns (:mod:`.headers`), cells and amounts in any
unit (:mod:`.cells`, :mod:`.amounts`, :mod:`.units`), reporting every problem at once
(:mod:`.problems`), and the contract of an import kind with the writing of a draft version
(:mod:`.importing`). Each domain registers its kinds of upload at start-up."""
