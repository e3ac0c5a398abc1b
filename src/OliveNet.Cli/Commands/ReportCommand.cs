using System.CommandLine;
using OliveNet.Engine.Reports;

namespace OliveNet.Cli.Commands;

/// <summary><c>olivenet report &lt;output_dir&gt;</c>: re-render report.html, summary.md, junit.xml and README.md from metrics.json.</summary>
internal static class ReportCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var folder = new Argument<string>("output_dir") { Description = "The output_dir of a run (it holds metrics.json)." };
        var template = new Option<string?>("--model-card-template") { Description = "A Handlebars template for README.md instead of the built-in one." };
        var command = new Command("report", "Re-render a run's reports (report.html, summary.md, junit.xml, README.md) from its metrics.json.")
        {
            folder, template,
        };
        command.SetAction((parse, _) => Task.FromResult(CommandErrors.Guard(error, () =>
        {
            var dir = Path.GetFullPath(parse.GetValue(folder)!);
            var report = ReportWriter.Read(dir);
            var card = parse.GetValue(template);
            if (card is not null && !File.Exists(card))
            {
                throw new UsageException($"--model-card-template: {card} does not exist");
            }

            ReportWriter.Render(dir, report, card);
            foreach (var file in ReportWriter.Files.Skip(1))
            {
                output.WriteLine(Path.Combine(dir, file));
            }

            return report.Outcome == "published" ? ExitCodes.Ok : ExitCodes.GoalsNotMet;
        })));
        return command;
    }
}
