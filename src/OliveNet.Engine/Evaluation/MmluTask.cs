using System.Security.Cryptography;
using OliveNet.Engine.Data;
using OliveNet.Runtime.Generation;
using OliveNet.Text.Tokenizers;

namespace OliveNet.Engine.Evaluation;

/// <summary>
/// lm-evaluation-harness's MMLU tasks (the default variant Olive's LMEvaluator runs as <c>tasks: [mmlu]</c>), computed
/// here: the questions of <c>cais/mmlu</c> (test split; the first <c>num_fewshot</c> of the same subject's dev split as
/// examples) from the local Hugging Face cache; each question a prompt
/// <c>{description}{examples}{question}\nA. …\nB. …\nC. …\nD. …\nAnswer:</c>; each choice scored by the log-likelihood
/// of the continuation " A" … " D" after it (one forward pass with an empty cache); <c>acc</c> the fraction whose
/// most likely choice is the answer, over every question of every subject (lm-eval's size-weighted group mean).
/// <c>limit</c> keeps the first N questions of each subject (below 1: the first ⌈limit·n⌉), as lm-eval's limit does per
/// subtask.
/// </summary>
public static class MmluTask
{
    /// <summary>The metric type an LMEvaluator task becomes.</summary>
    public const string MetricType = "lm_task";

    /// <summary>The questions: every subject in one table (<c>all</c>), test split.</summary>
    public static readonly HubDataset Test = new("cais/mmlu", "all", "test");

    /// <summary>The few-shot examples: the dev split (five per subject).</summary>
    public static readonly HubDataset Dev = new("cais/mmlu", "all", "dev");

    private static readonly string[] Letters = ["A", "B", "C", "D"];

    /// <summary>The 57 MMLU subjects, as lm-eval names its subtasks (<c>mmlu_&lt;subject&gt;</c>).</summary>
    public static IReadOnlyList<string> Subjects { get; } =
    [
        "abstract_algebra", "anatomy", "astronomy", "business_ethics", "clinical_knowledge", "college_biology", "college_chemistry",
        "college_computer_science", "college_mathematics", "college_medicine", "college_physics", "computer_security", "conceptual_physics",
        "econometrics", "electrical_engineering", "elementary_mathematics", "formal_logic", "global_facts", "high_school_biology",
        "high_school_chemistry", "high_school_computer_science", "high_school_european_history", "high_school_geography",
        "high_school_government_and_politics", "high_school_macroeconomics", "high_school_mathematics", "high_school_microeconomics",
        "high_school_physics", "high_school_psychology", "high_school_statistics", "high_school_us_history", "high_school_world_history",
        "human_aging", "human_sexuality", "international_law", "jurisprudence", "logical_fallacies", "machine_learning", "management",
        "marketing", "medical_genetics", "miscellaneous", "moral_disputes", "moral_scenarios", "nutrition", "philosophy", "prehistory",
        "professional_accounting", "professional_law", "professional_medicine", "professional_psychology", "public_relations",
        "security_studies", "sociology", "us_foreign_policy", "virology", "world_religions",
    ];

    /// <summary>The task names OliveNet runs: <c>mmlu</c> and <c>mmlu_&lt;subject&gt;</c>.</summary>
    public static IReadOnlyList<string> TaskNames { get; } = ["mmlu", .. Subjects.Select(s => "mmlu_" + s)];

    /// <summary>One question ready to score: the prompt, the continuations (" A" … " D") and the index of the right one.</summary>
    public sealed record Item(string Subject, string Context, IReadOnlyList<string> Continuations, int Answer);

    /// <summary>What is missing from the Hugging Face cache for these tasks, or null when the data is there.</summary>
    public static string? Missing(int numFewshot = 0) =>
        HubDatasets.Find(Test) is null ? HubDatasets.Missing(Test)
        : numFewshot > 0 && HubDatasets.Find(Dev) is null ? HubDatasets.Missing(Dev)
        : null;

    /// <summary>SHA-256 over the data files (test and dev), so a cached score follows the data.</summary>
    public static string DataHash()
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in (HubDatasets.Find(Test) ?? []).Concat(HubDatasets.Find(Dev) ?? []))
        {
            sha.AppendData(System.Text.Encoding.UTF8.GetBytes(Path.GetFileName(file) + " " + Artifacts.ArtifactHasher.HashFile(file) + "\n"));
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>The questions of <paramref name="task"/> (mmlu: every subject, alphabetically) as prompts.</summary>
    /// <exception cref="DataException">The data is missing or not in cais/mmlu's layout.</exception>
    public static List<Item> Items(string task, int numFewshot, double? limit)
    {
        if (Missing(numFewshot) is { } missing)
        {
            throw new DataException($"{task} scores on {missing}");
        }

        var subjects = task == "mmlu" ? Subjects : [task["mmlu_".Length..]];
        var test = Read(Test);
        var dev = numFewshot > 0 ? Read(Dev) : [];
        var items = new List<Item>();
        foreach (var subject in subjects)
        {
            var questions = test.Where(q => q.Subject == subject).ToList();
            if (questions.Count == 0)
            {
                continue;
            }

            var shots = dev.Where(q => q.Subject == subject).Take(numFewshot).ToList();
            if (shots.Count < numFewshot)
            {
                throw new DataException($"{task}: the dev split has {shots.Count} examples of {subject}, fewer than num_fewshot {numFewshot}");
            }

            var description = $"The following are multiple choice questions (with answers) about {subject.Replace('_', ' ')}.\n\n";
            var examples = string.Concat(shots.Select(s => Text(s) + " " + Letters[s.Answer] + "\n\n"));
            var keep = limit switch { null => questions.Count, < 1 and var f => (int)Math.Ceiling(questions.Count * f), var n => (int)n };
            items.AddRange(questions.Take(keep)
                .Select(q => new Item(subject, description + examples + Text(q), Letters.Select(l => " " + l).ToList(), q.Answer)));
        }

        if (items.Count == 0)
        {
            throw new DataException($"{task}: {HubDatasets.Find(Test)![0]} holds no questions of {string.Join(", ", subjects.Take(3))}");
        }

        return items;
    }

    /// <summary>
    /// The log-likelihood of each continuation after the context, as lm-eval's loglikelihood request computes it: trailing
    /// whitespace of the context moves to the continuation; the continuation's tokens are those of context + continuation
    /// after the context's; at most <paramref name="maxLength"/> tokens are fed, cut from the left. Continuations of one
    /// token share one forward pass.
    /// </summary>
    public static double[] LogLikelihoods(LanguageModel lm, Tokenizer tokenizer, string context, IReadOnlyList<string> continuations, int maxLength)
    {
        var forwards = new Dictionary<string, (int Count, float[] Logits)>(StringComparer.Ordinal);
        var scores = new double[continuations.Count];
        for (var c = 0; c < continuations.Count; c++)
        {
            var (left, right) = (context, continuations[c]);
            var spaces = left.Length - left.TrimEnd().Length;
            if (spaces > 0)
            {
                (left, right) = (left[..^spaces], left[^spaces..] + right);
            }

            var whole = tokenizer.Encode(left + right);
            var contextIds = tokenizer.Encode(left);
            var target = whole[Math.Min(contextIds.Length, whole.Length)..];
            if (target.Length == 0)
            {
                throw new DataException($"the continuation '{continuations[c]}' adds no token after the context");
            }

            var fed = whole[Math.Max(0, whole.Length - (maxLength + 1))..^1];
            var key = string.Join(',', fed);
            if (!forwards.TryGetValue(key, out var forward))
            {
                forward = (fed.Length, lm.ForwardAll(fed));
                forwards[key] = forward;
            }

            var vocab = forward.Logits.Length / forward.Count;
            for (var j = 0; j < target.Length; j++)
            {
                scores[c] += Metrics.LogSoftmaxAt(forward.Logits.AsSpan((forward.Count - target.Length + j) * vocab, vocab), target[j]);
            }
        }

        return scores;
    }

    private static string Text(Question q) =>
        $"{q.Text.Trim()}\nA. {q.Choices[0]}\nB. {q.Choices[1]}\nC. {q.Choices[2]}\nD. {q.Choices[3]}\nAnswer:";

    private static List<Question> Read(HubDataset dataset)
    {
        var files = HubDatasets.Find(dataset)!;
        var rows = HubDatasets.ReadRows(files, ["question", "subject"], ["choices"], ["answer"]);
        var questions = new List<Question>(rows.Count);
        foreach (var (row, i) in rows.Select((r, i) => (r, i)))
        {
            var choices = (List<string>)row["choices"];
            var answer = (long)row["answer"];
            if (choices.Count != 4 || answer is < 0 or > 3)
            {
                throw new DataException($"{files[0]}: row {i} has {choices.Count} choices and answer {answer}; MMLU questions have 4 choices and an answer 0–3");
            }

            questions.Add(new Question((string)row["subject"], (string)row["question"], choices, (int)answer));
        }

        return questions;
    }

    private sealed record Question(string Subject, string Text, IReadOnlyList<string> Choices, int Answer);
}
