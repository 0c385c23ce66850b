// A QR code of some text, drawn here in the browser (the otpauth:// address
// carries the TOTP secret: it must not go to a third-party QR service). An
// SVG in an <img>, so it scales crisply and its `alt` names it. The encoder
// is loaded when first needed: only setting up two-factor sign-in uses it.

import { useEffect, useState } from 'react';

export function QrCode({ text, alt }: { text: string; alt: string }) {
  const [src, setSrc] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    setSrc(null);
    import('qrcode')
      .then((qr) => qr.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }))
      .then(
        (svg) => {
          if (live) setSrc(`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`);
        },
        () => {
          // Not loaded (offline) or too long to encode: the key below still works.
        },
      );
    return () => {
      live = false;
    };
  }, [text]);

  if (src === null) return <div className="qr-code qr-code--pending" aria-hidden="true" />;
  return <img className="qr-code" src={src} alt={alt} width={200} height={200} />;
}
