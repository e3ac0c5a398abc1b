using System.Text;

namespace OliveNet.Text.Tokenizers.Normalization;

/// <summary>
/// Unicode NFC, implemented here because <see cref="string.Normalize()"/> is a no-op when the host runs with
/// InvariantGlobalization (as OliveNet does). Tables come from <see cref="NfcData"/>.
/// </summary>
internal static class Nfc
{
    private const int SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7;
    private const int LCount = 19, VCount = 21, TCount = 28, NCount = VCount * TCount, SCount = LCount * NCount;

    private static readonly Dictionary<int, int> Ccc = [];
    private static readonly Dictionary<int, (int First, int Second)> Decomposition = [];
    private static readonly Dictionary<long, int> Composition = [];

    // Bit set over the BMP of characters that can change under NFC (class != 0 or NFC_QC != Yes).
    private static readonly ulong[] UnstableBmp = new ulong[65536 / 64];

    static Nfc()
    {
        var classes = NfcData.CombiningClasses;
        for (var i = 0; i < classes.Length; i += 2)
        {
            Ccc[classes[i]] = classes[i + 1];
            MarkUnstable(classes[i]);
        }

        var excluded = new HashSet<int>();
        foreach (var cp in NfcData.CompositionExclusions)
        {
            excluded.Add(cp);
        }

        var decompositions = NfcData.Decompositions;
        for (var i = 0; i < decompositions.Length; i += 3)
        {
            int cp = decompositions[i], first = decompositions[i + 1], second = decompositions[i + 2];
            Decomposition[cp] = (first, second);
            var fullyExcluded = second == 0 || excluded.Contains(cp) || CombiningClass(cp) != 0 || CombiningClass(first) != 0;
            if (fullyExcluded)
            {
                MarkUnstable(cp);
            }
            else
            {
                Composition[Key(first, second)] = cp;
                MarkUnstable(second);
            }
        }

        for (var cp = VBase; cp < VBase + VCount; cp++)
        {
            MarkUnstable(cp);
        }

        for (var cp = TBase + 1; cp < TBase + TCount; cp++)
        {
            MarkUnstable(cp);
        }
    }

    /// <summary>True when <paramref name="text"/> certainly is already NFC (a quick check; false means "maybe").</summary>
    public static bool IsQuickNormalized(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (c >= 0x300 && (char.IsSurrogate(c) || (UnstableBmp[c >> 6] & (1UL << (c & 63))) != 0))
            {
                return false;
            }
        }

        return true;
    }

    public static string Normalize(string text)
    {
        if (IsQuickNormalized(text))
        {
            return text;
        }

        var points = new List<int>(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            Decompose(rune.Value, points);
        }

        SortCombiningMarks(points);
        Compose(points);
        var builder = new StringBuilder(text.Length);
        foreach (var cp in points)
        {
            builder.Append(new Rune(cp).ToString());
        }

        return builder.ToString();
    }

    private static void Decompose(int cp, List<int> output)
    {
        if (cp >= SBase && cp < SBase + SCount)
        {
            var index = cp - SBase;
            output.Add(LBase + (index / NCount));
            output.Add(VBase + (index % NCount / TCount));
            if (index % TCount != 0)
            {
                output.Add(TBase + (index % TCount));
            }

            return;
        }

        if (Decomposition.TryGetValue(cp, out var parts))
        {
            Decompose(parts.First, output);
            if (parts.Second != 0)
            {
                Decompose(parts.Second, output);
            }

            return;
        }

        output.Add(cp);
    }

    private static void SortCombiningMarks(List<int> points)
    {
        // Stable insertion sort inside each run of non-starters; runs are short.
        for (var i = 1; i < points.Count; i++)
        {
            var ccc = CombiningClass(points[i]);
            if (ccc == 0)
            {
                continue;
            }

            var j = i;
            var cp = points[i];
            while (j > 0 && CombiningClass(points[j - 1]) > ccc)
            {
                points[j] = points[j - 1];
                j--;
            }

            points[j] = cp;
        }
    }

    private static void Compose(List<int> points)
    {
        if (points.Count == 0)
        {
            return;
        }

        var starter = CombiningClass(points[0]) == 0 ? 0 : -1;
        var write = 1;
        var lastClass = starter == 0 ? 0 : 256;
        for (var read = 1; read < points.Count; read++)
        {
            var cp = points[read];
            var ccc = CombiningClass(cp);
            var blocked = starter < 0 || (write - 1 != starter && lastClass >= ccc) || (write - 1 != starter && lastClass == 0);
            if (!blocked && TryCompose(points[starter], cp, out var composed))
            {
                points[starter] = composed;
                continue;
            }

            if (ccc == 0)
            {
                starter = write;
            }

            lastClass = ccc;
            points[write++] = cp;
        }

        points.RemoveRange(write, points.Count - write);
    }

    private static bool TryCompose(int first, int second, out int composed)
    {
        if (first >= LBase && first < LBase + LCount && second >= VBase && second < VBase + VCount)
        {
            composed = SBase + ((((first - LBase) * VCount) + (second - VBase)) * TCount);
            return true;
        }

        if (first >= SBase && first < SBase + SCount && (first - SBase) % TCount == 0 && second > TBase && second < TBase + TCount)
        {
            composed = first + (second - TBase);
            return true;
        }

        return Composition.TryGetValue(Key(first, second), out composed);
    }

    private static int CombiningClass(int cp) => cp < 0x300 ? 0 : Ccc.GetValueOrDefault(cp);

    private static long Key(int first, int second) => ((long)first << 32) | (uint)second;

    private static void MarkUnstable(int cp)
    {
        if (cp < 0x10000)
        {
            UnstableBmp[cp >> 6] |= 1UL << (cp & 63);
        }
    }
}
