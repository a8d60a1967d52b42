"""The house style and the book's figures: KMunicate plots, trajectories, swimmer and flow diagrams."""
