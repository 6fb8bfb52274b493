/** The dashboard's icon (favicon and header): three rising stalks, in SVG. */
export const ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">
<rect width="32" height="32" rx="7" fill="#2f6fde"/>
<g fill="none" stroke="#fff" stroke-width="3" stroke-linecap="round"><path d="M9 24v-6M16 24V12M23 24V8"/></g>
<g fill="#ffd166"><circle cx="9" cy="15" r="2.2"/><circle cx="16" cy="9" r="2.2"/><circle cx="23" cy="5.5" r="2.2"/></g>
</svg>
`;
