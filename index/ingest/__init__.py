"""Articles from files and records: reading, parsing, sentences with offsets, language,
chunks and the text analysis (stems) that keyword search shares. Knows nothing of vectors
or stores."""
