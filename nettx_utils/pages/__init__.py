"""What a chapter page needs: opening a chapter, recording glued values, prose, exports, and the checks of built pages."""
