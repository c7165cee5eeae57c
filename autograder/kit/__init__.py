"""The adopter's kit: printable case, teaching note, assignment sheets, deck, workbook, answer notebooks."""
