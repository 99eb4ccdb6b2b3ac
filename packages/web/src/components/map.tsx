/**
 * A map of charging places (only charging locations exist: the server keeps no position from
 * driving) and the program's territory. Leaflet is loaded on first use. Tiles come from
 * MAP_TILE_URL; when it is "off", or the tiles do not load (offline), the map still draws the
 * territory's outline and the places on a plain background, and says so. Either way the view is
 * fitted to the territory and the places together, so a place outside it is still in sight.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { useSession } from '../session';

export interface MapPoint {
  lat: number;
  lon: number;
  label: string;
  tone: 'in' | 'out' | 'unknown';
}

export function ChargingMap({ points, territory }: { points: readonly MapPoint[]; territory?: unknown }) {
  const host = useRef<HTMLDivElement>(null);
  const { config } = useSession();
  const [offline, setOffline] = useState(config.mapTileUrl === 'off');

  useEffect(() => {
    let disposed = false;
    let cleanup: (() => void) | undefined;
    void (async () => {
      const [{ default: L }] = await Promise.all([import('leaflet'), import('leaflet/dist/leaflet.css')]);
      if (disposed || !host.current) return;
      const map = L.map(host.current, { attributionControl: true, scrollWheelZoom: false });
      cleanup = () => map.remove();
      if (config.mapTileUrl !== 'off') {
        let failures = 0;
        const tiles = L.tileLayer(config.mapTileUrl, {
          maxZoom: 18,
          attribution: '&copy; OpenStreetMap contributors',
        });
        tiles.on('tileerror', () => {
          failures += 1;
          if (failures === 3) setOffline(true);
        });
        tiles.addTo(map);
      }
      // The view first, from the territory and the places together; then the layers (a vector
      // added to a map without a view yet fails in Leaflet's clipping).
      const area = territory
        ? L.geoJSON(territory as GeoJSON.GeoJsonObject, {
            style: { color: '#0b6e4f', weight: 2, fillOpacity: 0.06 },
          })
        : undefined;
      const colors = { in: '#0b6e4f', out: '#b23a48', unknown: '#7a8793' } as const;
      const places = points.map((p) =>
        L.circleMarker([p.lat, p.lon], {
          radius: 7,
          color: colors[p.tone],
          fillOpacity: 0.7,
          weight: 2,
          className: 'map-place',
        }).bindPopup(p.label),
      );
      const bounds = L.latLngBounds(places.map((m) => m.getLatLng()));
      if (area) bounds.extend(area.getBounds());
      if (bounds.isValid()) map.fitBounds(bounds.pad(0.1), { maxZoom: 13 });
      else map.setView([43.65, -79.6], 9);
      if (area) {
        area.addTo(map);
        // (A style's className does not reach the paths GeoJSON makes: set it on each once drawn.)
        area.eachLayer((l) => (l as L.Path).getElement()?.classList.add('map-territory'));
      }
      for (const place of places) place.addTo(map);
      // What the view shows, for tests and for anyone inspecting the page.
      host.current.dataset.zoom = String(map.getZoom());
    })();
    return () => {
      disposed = true;
      cleanup?.();
    };
  }, [points, territory, config.mapTileUrl]);

  return (
    <div class={`map-wrap ${offline ? 'map-offline' : ''}`}>
      {/* Leaflet adds its own classes to this element: Preact must never rewrite them. */}
      <div ref={host} class="map" role="region" aria-label="Map of charging places" />
      <p class="muted small">
        <span class="dot dot-in" /> inside the territory <span class="dot dot-out" /> outside
        {offline ? ' · Map tiles are not available here: the map shows the territory and the places only.' : ''}
      </p>
    </div>
  );
}
