using System.Text.Json;
using OliveNet.Runtime.Generation;
using Parquet;
using Parquet.Schema;

namespace OliveNet.Cli.Tests.Workflows;

/// <summary>
/// Olive's LMEvaluator with lm-eval's MMLU tasks (olive-recipes' *_with_eval.json: <c>{type: LMEvaluator, tasks: [mmlu]}</c>)
/// on the committed KJV model exported by ModelBuilder. The data is read from a Hugging Face cache built here in
/// cais/mmlu's layout (<c>all/test</c> and <c>all/dev</c> Parquet files: question, subject, choices, answer), holding
/// real questions on the text the model was trained on (Genesis 1–4, pipelines/data/kjv/genesis-mmlu.jsonl). The score must equal the one this test computes on
/// its own: lm-eval's prompt written out by hand, each choice scored by a forward pass of prompt + choice (cut to the
/// model's 128-token context from the left, as lm-eval cuts at max_length).
/// </summary>
public sealed class LmEvaluatorTests : IDisposable
{
    private static readonly string Kjv = Path.Combine(CliProcess.RepoRoot, "tests", "fixtures", "llm", "kjv-llama");

    // Real questions on Genesis 1–4 (the model's training text) in cais/mmlu's columns, under two MMLU subjects.
    private static readonly List<(string Split, string Subject, string Question, string[] Choices, long Answer)> Rows =
        [.. File.ReadLines(Path.Combine(CliProcess.RepoRoot, "pipelines", "data", "kjv", "genesis-mmlu.jsonl")).Select(line =>
        {
            using var row = JsonDocument.Parse(line);
            var r = row.RootElement;
            return (r.GetProperty("split").GetString()!, r.GetProperty("subject").GetString()!, r.GetProperty("question").GetString()!,
                r.GetProperty("choices").EnumerateArray().Select(c => c.GetString()!).ToArray(), r.GetProperty("answer").GetInt64());
        })];

    private static (string Subject, string Question, string[] Choices, long Answer)[] TestRows =>
        [.. Rows.Where(r => r.Split == "test").Select(r => (r.Subject, r.Question, r.Choices, r.Answer))];

    private static (string Subject, string Question, string[] Choices, long Answer)[] DevRows =>
        [.. Rows.Where(r => r.Split == "dev").Select(r => (r.Subject, r.Question, r.Choices, r.Answer))];

    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Mmlu_tasks_score_as_lm_eval_does_on_the_data_in_the_hugging_face_cache()
    {
        var hub = Path.Combine(_dir.Path, "hub");
        WriteMmlu(hub);
        var recipe = _dir.File("eval.json", """
            {
              "input_model": {"type": "HfModel", "model_path": "KJV"},
              "passes": {"mb": {"type": "ModelBuilder", "precision": "fp32"}},
              "evaluators": {"mmlu": {"type": "LMEvaluator", "tasks": ["mmlu", "mmlu_philosophy"], "num_fewshot": 2, "limit": 4,
                "batch_size": 1, "max_length": 2048, "provider_options": {"enable_skip_layer_norm_strict_mode": "1"}}},
              "evaluator": "mmlu",
              "cache_dir": "cache",
              "output_dir": "out"
            }
            """.Replace("KJV", Kjv, StringComparison.Ordinal));

        var (exit, _, stderr) = CliProcess.Run(new Dictionary<string, string?> { ["HF_HUB_CACHE"] = hub }, "run", recipe);

        Assert.True(exit == 0, stderr);
        Assert.Contains("mmlu: 6/6 questions", stderr, StringComparison.Ordinal);
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir.Path, "out", "metrics.json")));
        var scores = metrics.RootElement.GetProperty("candidates").EnumerateArray().Last().GetProperty("metrics");

        // limit 4 keeps the first four questions of each subject: both of philosophy, four of world_religions.
        // ModelBuilder's graph returns the last position's logits; a continuation of more than one token needs them all.
        var published = Path.Combine(_dir.Path, "out");
        using var lm = Engine.Evaluation.FullLogitsGraph.Of(published) is { } full ? LanguageModel.Load(published, 0, full) : LanguageModel.Load(published);
        var all = TestRows.GroupBy(r => r.Subject).SelectMany(g => g.Take(4)).ToList();
        Assert.Equal(Accuracy(lm, all), scores.GetProperty("mmlu-acc").GetDouble(), 12);
        Assert.Equal(Accuracy(lm, all.Where(r => r.Subject == "philosophy").ToList()), scores.GetProperty("mmlu_philosophy-acc").GetDouble(), 12);

        // A limit below 1 is lm-eval's fraction per subject: ⌈0.5·2⌉ + ⌈0.5·6⌉ = 4 questions.
        File.WriteAllText(recipe, File.ReadAllText(recipe).Replace("\"limit\": 4", "\"limit\": 0.5", StringComparison.Ordinal));
        (exit, _, stderr) = CliProcess.Run(new Dictionary<string, string?> { ["HF_HUB_CACHE"] = hub }, "run", recipe);
        Assert.True(exit == 0, stderr);
        Assert.Contains("mmlu: 4/4 questions", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_the_data_validate_names_the_cache_and_the_download_command_and_other_tasks_are_refused()
    {
        var recipe = _dir.File("eval.yaml", $$$"""
            input_model: {type: HfModel, model_path: {{{Kjv}}}}
            passes: {mb: {type: ModelBuilder}}
            evaluators:
              mmlu: {type: LMEvaluator, tasks: [mmlu, hellaswag]}
              chat: {type: LMEvaluator, tasks: [mmlu], apply_chat_template: true}
            evaluator: mmlu
            """);

        var (exit, _, stderr) = CliProcess.Run(new Dictionary<string, string?> { ["HF_HUB_CACHE"] = Path.Combine(_dir.Path, "empty") }, "validate", recipe);

        Assert.Equal(2, exit);
        Assert.Contains("mmlu scores on the Hugging Face dataset cais/mmlu (all, split test) is not in the hub cache", stderr, StringComparison.Ordinal);
        Assert.Contains("hf download --repo-type dataset cais/mmlu --include 'all/*'", stderr, StringComparison.Ordinal);
        Assert.Contains("'hellaswag' is not an lm-eval task OliveNet runs", stderr, StringComparison.Ordinal);

        recipe = _dir.File("chat.yaml", File.ReadAllText(recipe).Replace("evaluator: mmlu", "evaluator: chat", StringComparison.Ordinal));
        (exit, _, stderr) = CliProcess.Run(new Dictionary<string, string?> { ["HF_HUB_CACHE"] = Path.Combine(_dir.Path, "empty") }, "validate", recipe);
        Assert.Equal(2, exit);
        Assert.Contains("chat-template mode", stderr, StringComparison.Ordinal);
    }

    /// <summary>lm-eval's MMLU prompt and scoring written out independently: the fraction of questions whose best-scored choice is right.</summary>
    private static double Accuracy(LanguageModel lm, List<(string Subject, string Question, string[] Choices, long Answer)> rows)
    {
        static string Text((string Subject, string Question, string[] Choices, long Answer) r) =>
            r.Question + "\nA. " + r.Choices[0] + "\nB. " + r.Choices[1] + "\nC. " + r.Choices[2] + "\nD. " + r.Choices[3] + "\nAnswer:";

        var correct = 0;
        foreach (var row in rows)
        {
            var shots = DevRows.Where(d => d.Subject == row.Subject).Take(2);
            var prompt = "The following are multiple choice questions (with answers) about " + row.Subject.Replace('_', ' ') + ".\n\n"
                + string.Concat(shots.Select(s => Text(s) + " " + "ABCD"[(int)s.Answer] + "\n\n")) + Text(row);
            var context = lm.Tokenizer!.Encode(prompt);
            var best = double.NegativeInfinity;
            var chosen = -1;
            for (var c = 0; c < 4; c++)
            {
                // The KJV model's context is 128 tokens: as lm-eval does at max_length, the oldest tokens are cut.
                var whole = lm.Tokenizer.Encode(prompt + " " + "ABCD"[c]);
                var offset = Math.Max(0, whole.Length - (lm.Config.ContextLength + 1));
                var fed = whole[offset..^1];
                var logits = lm.ForwardAll(fed);
                var vocab = lm.Config.VocabSize;
                var returned = logits.Length / vocab;
                double score = 0;
                for (var p = context.Length; p < whole.Length; p++)
                {
                    var at = p - 1 - offset - (fed.Length - returned);
                    Assert.True(at >= 0, "the continuation needs logits the model does not return");
                    var row0 = logits.AsSpan(at * vocab, vocab);
                    var max = row0.ToArray().Max();
                    score += row0[whole[p]] - max - Math.Log(row0.ToArray().Sum(v => Math.Exp(v - max)));
                }

                if (score > best)
                {
                    (best, chosen) = (score, c);
                }
            }

            correct += chosen == row.Answer ? 1 : 0;
        }

        return (double)correct / rows.Count;
    }

    /// <summary>cais/mmlu in the hub cache's layout: snapshots/REV/all/{test,dev}-00000-of-00001.parquet, refs/main naming REV.</summary>
    private static void WriteMmlu(string hub)
    {
        var repo = Path.Combine(hub, "datasets--cais--mmlu");
        const string Revision = "c30699e8356da336a370243923dbaf21066bb9fe";
        Directory.CreateDirectory(Path.Combine(repo, "refs"));
        File.WriteAllText(Path.Combine(repo, "refs", "main"), Revision);
        var folder = Path.Combine(repo, "snapshots", Revision, "all");
        Directory.CreateDirectory(folder);
        Write(Path.Combine(folder, "test-00000-of-00001.parquet"), TestRows).GetAwaiter().GetResult();
        Write(Path.Combine(folder, "dev-00000-of-00001.parquet"), DevRows).GetAwaiter().GetResult();
    }

    private static async Task Write(string path, (string Subject, string Question, string[] Choices, long Answer)[] rows)
    {
        var question = new DataField<string>("question");
        var subject = new DataField<string>("subject");
        var choices = new ListField("choices", new DataField<string>("item"));
        var answer = new DataField<long>("answer");
        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(question, subject, choices, answer), stream);
        using var group = writer.CreateRowGroup();
        await group.WriteAsync(question, rows.Select(r => r.Question).ToArray());
        await group.WriteAsync(subject, rows.Select(r => r.Subject).ToArray());
        await group.WriteAsync((DataField)choices.Item, rows.SelectMany(r => r.Choices).ToArray(), rows.SelectMany(_ => new[] { 0, 1, 1, 1 }).ToArray());
        await group.WriteAsync(answer, new ReadOnlyMemory<long>(rows.Select(r => r.Answer).ToArray()));
    }
}
