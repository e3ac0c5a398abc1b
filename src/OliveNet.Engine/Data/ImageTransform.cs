namespace OliveNet.Engine.Data;

/// <summary>
/// The <c>image_transform</c> pre-process: channel conversion, resize (bilinear, pixel centres aligned as PIL and OpenCV
/// do), centre crop, scale/mean/std normalization, right/bottom padding, and NCHW or NHWC layout. Produces a float32
/// tensor with a leading batch dimension of 1.
/// </summary>
internal sealed class ImageTransform
{
    private readonly int _channels;
    private readonly int[]? _resize;
    private readonly int? _resizeHeight;
    private readonly int? _maxWidth;
    private readonly int[]? _crop;
    private readonly int[]? _pad;
    private readonly double _padValue;
    private readonly double _scale;
    private readonly double[] _mean;
    private readonly double[] _std;
    private readonly bool _nhwc;

    public ImageTransform(ComponentParams p)
    {
        _channels = p.Int("channels", 3);
        if (_channels is not (1 or 3))
        {
            throw new DataException($"{p.Where}: params.channels must be 1 or 3");
        }

        _resize = p.Ints("resize");
        _resizeHeight = p.Int("resize_height", 0) is > 0 and var h ? h : null;
        _maxWidth = p.Int("max_width", 0) is > 0 and var w ? w : null;
        _crop = p.Ints("center_crop");
        _pad = p.Ints("pad_to");
        _padValue = p.Double("pad_value", 0);
        _scale = p.Double("scale", 1.0 / 255);
        _mean = p.Doubles("mean") ?? [0.0];
        _std = p.Doubles("std") ?? [1.0];
        var layout = p.String("layout") ?? "NCHW";
        _nhwc = layout switch
        {
            "NCHW" => false,
            "NHWC" => true,
            _ => throw new DataException($"{p.Where}: params.layout must be NCHW or NHWC, got '{layout}'"),
        };
        foreach (var (name, list) in new[] { ("resize", _resize), ("center_crop", _crop), ("pad_to", _pad) })
        {
            if (list is not null && (list.Length != 2 || list.Any(v => v <= 0)))
            {
                throw new DataException($"{p.Where}: params.{name} must be [height, width] of positive numbers");
            }
        }
    }

    /// <summary>Transforms a decoded image into a [1, C, H, W] (or [1, H, W, C]) float tensor.</summary>
    public SampleTensor Apply(Image image)
    {
        var planes = ToPlanes(image);
        var (height, width) = (image.Height, image.Width);
        if (_resize is { } size)
        {
            (planes, height, width) = (Resize(planes, height, width, size[0], size[1]), size[0], size[1]);
        }
        else if (_resizeHeight is { } h)
        {
            var w = (int)Math.Ceiling((double)h * width / height);
            w = _maxWidth is { } max ? Math.Min(max, w) : w;
            (planes, height, width) = (Resize(planes, height, width, h, w), h, w);
        }

        if (_crop is { } crop)
        {
            if (crop[0] > height || crop[1] > width)
            {
                throw new DataException($"center_crop [{crop[0]}, {crop[1]}] is larger than the image after resizing ({height}x{width})");
            }

            var (top, left) = ((height - crop[0]) / 2, (width - crop[1]) / 2);
            planes = planes.Select(p => Crop(p, width, top, left, crop[0], crop[1])).ToArray();
            (height, width) = (crop[0], crop[1]);
        }

        for (var c = 0; c < planes.Length; c++)
        {
            var mean = (float)_mean[Math.Min(c, _mean.Length - 1)];
            var std = (float)_std[Math.Min(c, _std.Length - 1)];
            var plane = planes[c];
            for (var i = 0; i < plane.Length; i++)
            {
                plane[i] = ((plane[i] * (float)_scale) - mean) / std;
            }
        }

        var (outH, outW) = _pad is { } pad ? (pad[0], pad[1]) : (height, width);
        if (outH < height || outW < width)
        {
            throw new DataException($"pad_to [{outH}, {outW}] is smaller than the image after resizing ({height}x{width}); set max_width or resize");
        }

        var data = new float[planes.Length * outH * outW];
        Array.Fill(data, (float)_padValue);
        for (var c = 0; c < planes.Length; c++)
        {
            for (var y = 0; y < height; y++)
            {
                for (var x = 0; x < width; x++)
                {
                    var index = _nhwc ? (((y * outW) + x) * planes.Length) + c : (((c * outH) + y) * outW) + x;
                    data[index] = planes[c][(y * width) + x];
                }
            }
        }

        return _nhwc ? SampleTensor.Float(data, 1, outH, outW, planes.Length) : SampleTensor.Float(data, 1, planes.Length, outH, outW);
    }

    private float[][] ToPlanes(Image image)
    {
        var count = image.Width * image.Height;
        var colour = image.Channels >= 3;
        var planes = new float[_channels][];
        for (var c = 0; c < _channels; c++)
        {
            planes[c] = new float[count];
        }

        for (var i = 0; i < count; i++)
        {
            var p = image.Pixels.AsSpan(i * image.Channels, image.Channels);
            if (_channels == 3)
            {
                for (var c = 0; c < 3; c++)
                {
                    planes[c][i] = colour ? p[c] : p[0];
                }
            }
            else
            {
                // ITU-R BT.601 luma, as PIL's convert("L").
                planes[0][i] = colour ? (float)((0.299 * p[0]) + (0.587 * p[1]) + (0.114 * p[2])) : p[0];
            }
        }

        return planes;
    }

    private static float[][] Resize(float[][] planes, int h, int w, int toH, int toW)
    {
        if (h == toH && w == toW)
        {
            return planes;
        }

        return planes.Select(plane =>
        {
            var result = new float[toH * toW];
            for (var y = 0; y < toH; y++)
            {
                var sy = Math.Clamp(((y + 0.5) * h / toH) - 0.5, 0, h - 1);
                var y0 = (int)sy;
                var y1 = Math.Min(y0 + 1, h - 1);
                var fy = (float)(sy - y0);
                for (var x = 0; x < toW; x++)
                {
                    var sx = Math.Clamp(((x + 0.5) * w / toW) - 0.5, 0, w - 1);
                    var x0 = (int)sx;
                    var x1 = Math.Min(x0 + 1, w - 1);
                    var fx = (float)(sx - x0);
                    var top = (plane[(y0 * w) + x0] * (1 - fx)) + (plane[(y0 * w) + x1] * fx);
                    var bottom = (plane[(y1 * w) + x0] * (1 - fx)) + (plane[(y1 * w) + x1] * fx);
                    result[(y * toW) + x] = (top * (1 - fy)) + (bottom * fy);
                }
            }

            return result;
        }).ToArray();
    }

    private static float[] Crop(float[] plane, int width, int top, int left, int h, int w)
    {
        var result = new float[h * w];
        for (var y = 0; y < h; y++)
        {
            plane.AsSpan(((top + y) * width) + left, w).CopyTo(result.AsSpan(y * w));
        }

        return result;
    }
}
