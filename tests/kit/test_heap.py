"""Long-lived structures leave the garbage collector's full passes once built."""

import gc

from kit import heap


def test_a_large_structure_is_frozen_a_small_one_is_not():
    gc.unfreeze()
    try:
        kept = [[i] for i in range(20_000)]
        heap.keep(made=100)  # not worth a call
        assert gc.get_freeze_count() == 0
        heap.keep(made=len(kept))
        assert gc.get_freeze_count() >= len(kept)
        # What full passes still walk no longer holds the structure.
        assert not any(o is kept for o in gc.get_objects(generation=2))
    finally:
        gc.unfreeze()


def test_start_up_is_collected_then_frozen():
    gc.unfreeze()
    try:
        cycle: list[object] = []
        cycle.append(cycle)
        del cycle
        heap._settled = False
        heap.settle()
        assert gc.get_freeze_count() > 0 and gc.garbage == []
    finally:
        gc.unfreeze()


def test_a_structure_growing_a_little_at_a_time_is_frozen_once_it_has_grown_enough():
    gc.unfreeze()
    heap._grown = 0
    try:
        grown: list[list[int]] = []
        for step in range(9):  # a flood's batches, each too small to be worth a call
            grown += [[i] for i in range(1_000)]
            heap.grown(made=1_000)
            assert gc.get_freeze_count() == 0, f"frozen after batch {step}"
        grown += [[i] for i in range(1_000)]
        heap.grown(made=1_000)
        assert gc.get_freeze_count() >= len(grown)
        assert not any(o is grown[0] for o in gc.get_objects(generation=2))
    finally:
        gc.unfreeze()
        heap._grown = 0
