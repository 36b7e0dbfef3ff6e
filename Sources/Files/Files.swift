// The pure Files core: readers for the files ML engineers already have, knowing nothing of SQLite.
//   JSON:   JSONScanner (validation, top-level members, Extended JSON), JSONDocumentReader (JSON lines and
//           JSON array files), JSONColumns (inferred columns), JSONText (string/number helpers)
//   CSV:    CSVReader (RFC 4180), ColumnInference (types shared with JSON)
//   NumPy:  NpyHeader, NpyArray (memory-mapped rows as float32), NpzArchive (zip members, stored or
//           deflated), NpyWriter (the way back out)
