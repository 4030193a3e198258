"""Retrieval: past tickets (imported, or made from resolved conversations) in a FAISS index,
searched for every question the bot gets.

Modules, one concept each: ``sources`` reads exports, ``importer`` redacts and upserts,
``conversations`` turns resolved conversations into tickets, ``embedder`` makes vectors,
``index`` is the FAISS index, ``manifest``/``persist`` save and load it, ``indexing`` builds and
updates it, ``search`` is the API the bot calls, ``bm25``/``evaluate`` measure it, ``cli`` is the
commands. Heavy libraries (torch, transformers, faiss) are imported only where used.
"""
