import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { PngEmbedder, type PDFDocument, type PDFRef } from '@cantoo/pdf-lib';

/** A seal image decoded and compressed once, ready to be written into any number of PDFs. */
interface PreparedPng {
  width: number;
  height: number;
  bitsPerComponent: number;
  rgb: Uint8Array;
  alpha?: Uint8Array;
}

interface DecodedPng {
  width: number;
  height: number;
  bitsPerComponent: number;
  rgbChannel: Uint8Array;
  alphaChannel?: Uint8Array;
}

const CACHE_LIMIT = 64;
const cache = new Map<string, Promise<PreparedPng>>();

async function preparePng(bytes: Uint8Array): Promise<PreparedPng> {
  const key = createHash('sha256').update(bytes).digest('hex');
  let prepared = cache.get(key);
  if (!prepared) {
    // PngEmbedder decodes the PNG (palette, 16-bit, interlacing, alpha split); its result is reused.
    prepared = PngEmbedder.for(bytes)
      .then((embedder) => (embedder as unknown as { image: DecodedPng }).image)
      .then((image) => ({
        width: image.width,
        height: image.height,
        bitsPerComponent: image.bitsPerComponent,
        rgb: deflateSync(image.rgbChannel),
        alpha: image.alphaChannel ? deflateSync(image.alphaChannel) : undefined,
      }));
    prepared.catch(() => cache.delete(key));
    cache.set(key, prepared);
    if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  }
  return prepared;
}

/** Decodes and compresses a seal PNG ahead of its first stamp (JPEG needs no preparation). */
export async function prepareSealImage(image: { bytes: Uint8Array; mime: 'image/png' | 'image/jpeg' }): Promise<void> {
  if (image.mime === 'image/png') await preparePng(image.bytes);
}

/**
 * Embeds the seal image as an image XObject (with its transparency as /SMask). Decoding and
 * compressing a seal PNG costs more than the whole signature, so it is done once per image and the
 * compressed streams are reused for every document.
 */
export async function embedSealImage(doc: PDFDocument, image: { bytes: Uint8Array; mime: 'image/png' | 'image/jpeg' }): Promise<PDFRef> {
  if (image.mime === 'image/jpeg') return (await doc.embedJpg(image.bytes)).ref;
  const png = await preparePng(image.bytes);
  const context = doc.context;
  const common = {
    Type: 'XObject',
    Subtype: 'Image',
    Width: png.width,
    Height: png.height,
    BitsPerComponent: png.bitsPerComponent,
    Filter: 'FlateDecode',
  };
  const smask = png.alpha
    ? context.register(context.stream(png.alpha, { ...common, ColorSpace: 'DeviceGray', Decode: [0, 1] }))
    : undefined;
  return context.register(context.stream(png.rgb, { ...common, ColorSpace: 'DeviceRGB', ...(smask ? { SMask: smask } : {}) }));
}
