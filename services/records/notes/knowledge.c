/*
 * knowledge.c - the note reader's word lists, built into the service as
 * they are (the files stay the one place they are written),
 * NUL-terminated: services/records/notes/knowledge/{context,cues,
 * problems,combinations,medicines,members}.csv and the context model's weights,
 * learned.tsv.  services/module.mk makes this object depend
 * on the files.
 */

#define NOTES_INCBIN(sym, file)                                                \
	__asm__(".section .rodata\n"                                           \
		".global " sym "\n"                                            \
		".type " sym ", @object\n" sym ":\n"                           \
		".incbin \"services/records/notes/knowledge/" file "\"\n"      \
		".byte 0\n"                                                    \
		".size " sym ", . - " sym "\n"                                 \
		".previous\n")

NOTES_INCBIN("notes__context_csv", "context.csv");
NOTES_INCBIN("notes__cues_csv", "cues.csv");
NOTES_INCBIN("notes__problems_csv", "problems.csv");
NOTES_INCBIN("notes__combinations_csv", "combinations.csv");
NOTES_INCBIN("notes__medicines_csv", "medicines.csv");
NOTES_INCBIN("notes__members_csv", "members.csv");
NOTES_INCBIN("notes__learned_tsv", "learned.tsv");
