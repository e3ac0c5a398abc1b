namespace OliveNet.Engine.Recipes;

/// <summary>The recipe is invalid or asks for something OliveNet cannot do; every problem found is listed.</summary>
public sealed class RecipeException : Exception
{
    /// <summary>Creates the exception from the collected problems.</summary>
    public RecipeException(IReadOnlyList<RecipeError> errors)
        : base(Format(errors))
    {
        Errors = errors;
    }

    /// <summary>Every problem, in file order.</summary>
    public IReadOnlyList<RecipeError> Errors { get; }

    private static string Format(IReadOnlyList<RecipeError> errors) =>
        $"the recipe has {errors.Count} problem{(errors.Count == 1 ? string.Empty : "s")}:{Environment.NewLine}" +
        string.Join(Environment.NewLine, errors.Select(e => $"  {e}"));
}
