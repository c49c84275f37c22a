# gui-wayland: a desktop program on the Wayland compositor of
# WAYLAND_DISPLAY (its socket only).  default otherwise.
include default
wayland
