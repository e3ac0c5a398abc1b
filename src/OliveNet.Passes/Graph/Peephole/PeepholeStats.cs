namespace OliveNet.Passes.Graph.Peephole;

/// <summary>How many rewrites of each kind one peephole run made.</summary>
internal sealed class PeepholeStats
{
    public int Identities { get; set; }

    public int Dropouts { get; set; }

    public int ReshapeChains { get; set; }

    public int Folded { get; set; }

    public int Computed { get; set; }

    public int DeadNodes { get; set; }

    public int UnusedInitializers { get; set; }

    public int MergedInitializers { get; set; }

    public int OpsetsDeclared { get; set; }

    public int AffineFolded { get; set; }

    public int HardSwishes { get; set; }

    public override string ToString() =>
        $"removed {Identities} Identity, {Dropouts} Dropout, {DeadNodes} dead nodes, {UnusedInitializers} unused initializers; " +
        $"folded {ReshapeChains} Reshape chains and {Folded} constant reshapes, computed {Computed} constant nodes; merged {MergedInitializers} duplicate initializers" +
        (OpsetsDeclared > 0 ? $"; declared com.microsoft opset 1 in {OpsetsDeclared} scope(s)" : string.Empty) +
        (AffineFolded > 0 ? $"; folded {AffineFolded} constant Mul/Add node(s) into Convs" : string.Empty) +
        (HardSwishes > 0 ? $"; rewrote {HardSwishes} decomposed HardSwish(es)" : string.Empty);
}
